/**
 * 64-bit integer helpers over int32 halves (lo, hi), for the interpreter's hot loop.
 * Results land in `R[0]` (lo) and `R[1]` (hi). Division goes through BigInt (rare ops).
 */
export const R = new Int32Array(2);

/** High 32 bits of the unsigned 64-bit product of two uint32 values. */
function mulHiU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) | 0;
}

export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  R[0] = Math.imul(alo, blo);
  R[1] = (mulHiU32(alo, blo) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

export function toBigU(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function fromBig(v: bigint): void {
  R[0] = Number(BigInt.asIntN(32, v));
  R[1] = Number(BigInt.asIntN(32, v >> 32n));
}

export function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

export function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

export function shl64(lo: number, hi: number, k: number): void {
  k &= 63;
  if (k === 0) {
    R[0] = lo;
    R[1] = hi;
  } else if (k < 32) {
    R[1] = (hi << k) | (lo >>> (32 - k));
    R[0] = lo << k;
  } else {
    R[1] = lo << (k - 32);
    R[0] = 0;
  }
}

export function shrU64(lo: number, hi: number, k: number): void {
  k &= 63;
  if (k === 0) {
    R[0] = lo;
    R[1] = hi;
  } else if (k < 32) {
    R[0] = (lo >>> k) | (hi << (32 - k));
    R[1] = hi >>> k;
  } else {
    R[0] = hi >>> (k - 32);
    R[1] = 0;
  }
}

export function shrS64(lo: number, hi: number, k: number): void {
  k &= 63;
  if (k === 0) {
    R[0] = lo;
    R[1] = hi;
  } else if (k < 32) {
    R[0] = (lo >>> k) | (hi << (32 - k));
    R[1] = hi >> k;
  } else {
    R[0] = hi >> (k - 32);
    R[1] = hi >> 31;
  }
}

export function rotl64(lo: number, hi: number, k: number): void {
  k &= 63;
  if (k >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    k -= 32;
  }
  if (k === 0) {
    R[0] = lo;
    R[1] = hi;
  } else {
    R[1] = (hi << k) | (lo >>> (32 - k));
    R[0] = (lo << k) | (hi >>> (32 - k));
  }
}

/** Unsigned comparison a < b of two 64-bit values. */
export function ltU64(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi >>> 0 < bhi >>> 0 || (ahi === bhi && alo >>> 0 < blo >>> 0);
}

/** Signed comparison a < b of two 64-bit values. */
export function ltS64(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi < bhi || (ahi === bhi && alo >>> 0 < blo >>> 0);
}
