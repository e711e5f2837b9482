import { OpmlError } from "./errors.ts";

/** Base of every error the WASM loader throws. `offset` is the byte offset in the module. */
export class WasmLoadError extends OpmlError {
  override name = "WasmLoadError";
  readonly offset: number;
  constructor(shortMessage: string, offset: number, details?: string) {
    super(`${shortMessage} (at byte offset ${offset})`, { details });
    this.offset = offset;
  }
}

/** The bytes are not a well-formed WASM binary: truncated, bad LEB128, unknown opcode/section... */
export class WasmMalformedError extends WasmLoadError {
  override name = "WasmMalformedError";
}

/** A cursor over WASM bytes: LEB128 integers, bytes, names; every error names its byte offset. */
export class ByteReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  byte(what = "byte"): number {
    const b = this.pos < this.end ? this.bytes[this.pos] : undefined;
    if (b === undefined) throw new WasmMalformedError(`unexpected end: truncated ${what}`, this.pos);
    this.pos++;
    return b;
  }

  take(n: number, what = "bytes"): Uint8Array {
    if (n > this.end - this.pos) throw new WasmMalformedError(`unexpected end: truncated ${what}`, this.pos);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Unsigned LEB128 of at most 32 bits. */
  u32(what = "u32"): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      if (i === 4 && (b & 0x70) !== 0) throw new WasmMalformedError(`integer too large: ${what} (LEB128 u32)`, start);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new WasmMalformedError(`integer representation too long: ${what} (LEB128 u32)`, start);
  }

  /** Signed LEB128 of at most 32 bits, as an int32. */
  s32(what = "s32"): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      if (i === 4) {
        // 4 value bits (28..31); the 3 unused bits must sign-extend bit 31.
        if (b & 0x80) throw new WasmMalformedError(`integer representation too long: ${what} (LEB128 s32)`, start);
        if ((b & 0x70) !== (b & 0x08 ? 0x70 : 0))
          throw new WasmMalformedError(`integer too large: ${what} (LEB128 s32)`, start);
        return result | ((b & 0x0f) << 28) | 0;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) {
        if (shift < 32 && b & 0x40) result |= -1 << shift;
        return result | 0;
      }
    }
    throw new WasmMalformedError(`integer representation too long: ${what}`, start);
  }

  /** Signed LEB128 of at most 33 bits (block types), as a JS number. */
  s33(what = "s33"): number {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (i === 4) {
          const hi = b & 0x7f; // bits 28..34: bits 33,34 must equal bit 32
          const top = (hi >> 4) & 0x7;
          if (top !== 0 && top !== 7) throw new WasmMalformedError(`integer too large: ${what} (LEB128 s33)`, start);
        }
        return Number(BigInt.asIntN(Number(shift < 33n ? shift : 33n), result));
      }
    }
    throw new WasmMalformedError(`integer representation too long: ${what} (LEB128 s33)`, start);
  }

  /** Signed LEB128 of at most 64 bits, as [lo, hi] int32 halves. */
  s64(what = "s64"): [number, number] {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(what);
      if (i === 9) {
        // one value bit (bit 63) + 6 unused bits that must sign-extend it
        const hi = b & 0x7f;
        if (hi !== 0x00 && hi !== 0x7f) throw new WasmMalformedError(`integer too large: ${what} (LEB128 s64)`, start);
        if (b & 0x80) throw new WasmMalformedError(`integer representation too long: ${what} (LEB128 s64)`, start);
        result |= BigInt(hi & 1) << 63n;
        const v = BigInt.asIntN(64, result);
        return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
      }
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        const v = BigInt.asIntN(Number(shift), result);
        return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
      }
    }
    throw new WasmMalformedError(`integer representation too long: ${what}`, start);
  }

  name(what = "name"): string {
    const len = this.u32(`${what} length`);
    const start = this.pos;
    const raw = this.take(len, what);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw new WasmMalformedError(`malformed UTF-8 encoding: ${what}`, start);
    }
  }
}
