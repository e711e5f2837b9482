/**
 * The project's one seeded PRNG (mulberry32): the same seed gives the same numbers on every
 * platform, so generated models, random test cases and fuzz inputs replay exactly from their seed.
 * It is for reproducibility, never for secrets.
 */
/** mulberry32's output function: the 32-bit draw of a state, as a signed int32 (its bits). */
function mix(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return t ^ (t >>> 14);
}

export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    return mix(this.state) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 2 ** 32;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of `xs`, uniformly. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)] as T;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `n` uniform bytes. */
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.below(256);
    return b;
  }

  /**
   * Fills `out` with uniform bytes, four per draw (each 32-bit draw in the platform's byte order,
   * little-endian wherever the project runs): the fast form for large buffers, such as the
   * gigabytes of random weights of the scale bench. Not the stream `bytes(n)` gives, which draws
   * once per byte.
   */
  fillBytes(out: Uint8Array): Uint8Array {
    // An unaligned view gets one draw per byte (an Int32Array over it cannot start there).
    const aligned = out.byteOffset % 4 === 0;
    const whole = aligned ? out.length >>> 2 : 0;
    const words = aligned ? new Int32Array(out.buffer, out.byteOffset, whole) : new Int32Array(0);
    // u32()'s steps kept in int32 (the same bits) with the state in a local: unsigned values and
    // a method call per word cost V8 about 2.7× the speed.
    let state = this.state | 0;
    for (let i = 0; i < whole; i++) {
      state = (state + 0x6d2b79f5) | 0;
      words[i] = mix(state);
    }
    this.state = state >>> 0;
    for (let i = whole * 4; i < out.length; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A bigint in [0, n), n ≥ 1 (96 random bits reduced mod n). */
  big(n: bigint): bigint {
    let v = 0n;
    for (let i = 0; i < 3; i++) v = (v << 32n) | BigInt(this.below(2 ** 32));
    return v % n;
  }

  /** A random 32-byte word as 0x-hex. */
  word(): `0x${string}` {
    let s = "0x";
    for (let i = 0; i < 8; i++)
      s += this.below(2 ** 32)
        .toString(16)
        .padStart(8, "0");
    return s as `0x${string}`;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` normals scaled by `std`. */
  normals(n: number, std = 1): Float64Array {
    return Float64Array.from({ length: n }, () => this.normal() * std);
  }
}
