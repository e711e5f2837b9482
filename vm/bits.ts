/**
 * Integer helpers of the reference step (vm/step.ts), function for function the TypeScript twin of
 * contracts/src/vm/VmBits.sol: sign extension, bit counts and the WASM i32/i64 binary and comparison
 * operators over values held in a `bigint` (an i32 in its low 32 bits, an i64 in its low 64 bits).
 * VmBits' byte-order helpers have no twin here: the step's leaf memory (vm/stepMemory.ts) reads and
 * writes little-endian values directly. These are the plain definitions; the contract computes the
 * same results with bit tricks, and the differential tests hold the two to each other.
 */

/** The low `n` bytes of `v` as a signed number (`n` in 1…8). */
export function signExtend(v: bigint, n: number): bigint {
  return BigInt.asIntN(8 * n, v);
}

/** The low 32 bits of `v` as an int32. */
export function s32(v: bigint): bigint {
  return signExtend(v, 4);
}

/** Leading zeros of the `bits`-bit value `x`. */
export function clz(x: bigint, bits: number): bigint {
  let n = 0;
  for (let i = bits - 1; i >= 0 && ((x >> BigInt(i)) & 1n) === 0n; i--) n++;
  return BigInt(n);
}

/** Trailing zeros of the `bits`-bit value `x`. */
export function ctz(x: bigint, bits: number): bigint {
  let n = 0;
  for (let i = 0; i < bits && ((x >> BigInt(i)) & 1n) === 0n; i++) n++;
  return BigInt(n);
}

/** Set bits of `x` (`x` ≥ 0). */
export function popcnt(x: bigint): bigint {
  let n = 0n;
  for (; x > 0n; x >>= 1n) n += x & 1n;
  return n;
}

/**
 * The binary operator `k` (0 add, 1 sub, 2 mul, 3 div_s, 4 div_u, 5 rem_s, 6 rem_u, 7 and, 8 or,
 * 9 xor, 10 shl, 11 shr_s, 12 shr_u, 13 rotl, 14 rotr: the order of the opcodes from `OP_I32_ADD`
 * and from `OP_I64_ADD`) on `bits`-bit operands; `ok` is false when it traps (division by zero,
 * signed overflow of div_s). The result is not reduced: the caller masks it to 32 or 64 bits.
 */
export function binary(k: number, x: bigint, y: bigint, bits: number): [ok: boolean, r: bigint] {
  if (k === 0) return [true, x + y];
  if (k === 1) return [true, x - y];
  if (k === 2) return [true, x * y];
  if (k <= 6) {
    if (y === 0n) return [false, 0n];
    if (k === 4) return [true, x / y];
    if (k === 6) return [true, x % y];
    const sx = signExtend(x, bits / 8);
    const sy = signExtend(y, bits / 8);
    if (k === 3) {
      if (sy === -1n && sx === -(1n << BigInt(bits - 1))) return [false, 0n];
      return [true, sx / sy];
    }
    return [true, sx % sy];
  }
  if (k === 7) return [true, x & y];
  if (k === 8) return [true, x | y];
  if (k === 9) return [true, x ^ y];
  const sh = y & BigInt(bits - 1);
  if (k === 10) return [true, x << sh];
  if (k === 11) return [true, signExtend(x, bits / 8) >> sh];
  if (k === 12) return [true, x >> sh];
  const back = (BigInt(bits) - sh) % BigInt(bits);
  if (k === 13) return [true, (x << sh) | (x >> back)];
  return [true, (x >> sh) | (x << back)];
}

/**
 * The comparison `k` (0 eq, 1 ne, 2 lt_s, 3 lt_u, 4 gt_s, 5 gt_u, 6 le_s, 7 le_u, 8 ge_s, 9 ge_u:
 * the order of the opcodes from `OP_I32_EQ` and from `OP_I64_EQ`) on `bits`-bit operands.
 */
export function compare(k: number, x: bigint, y: bigint, bits: number): boolean {
  if (k === 0) return x === y;
  if (k === 1) return x !== y;
  if ((k & 1) === 1) {
    // unsigned: 3 lt, 5 gt, 7 le, 9 ge
    if (k === 3) return x < y;
    if (k === 5) return x > y;
    if (k === 7) return x <= y;
    return x >= y;
  }
  const sx = signExtend(x, bits / 8);
  const sy = signExtend(y, bits / 8);
  if (k === 2) return sx < sy;
  if (k === 4) return sx > sy;
  if (k === 6) return sx <= sy;
  return sx >= sy;
}
