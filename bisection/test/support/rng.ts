/** A small seeded PRNG (mulberry32) so that random tests replay exactly from their seed. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A bigint in [0, n), n >= 1. */
  big(n: bigint): bigint;
  /** A random 32-byte hex word. */
  word(): `0x${string}`;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const big = (n: bigint): bigint => {
    let v = 0n;
    for (let i = 0; i < 3; i++) v = (v << 32n) | BigInt(int(2 ** 32));
    return v % n;
  };
  const word = (): `0x${string}` => {
    let s = "0x";
    for (let i = 0; i < 8; i++)
      s += int(2 ** 32)
        .toString(16)
        .padStart(8, "0");
    return s as `0x${string}`;
  };
  return { next, int, big, word };
}
