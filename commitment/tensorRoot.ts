/** Tensor roots (docs/protocol.md §2.1). */
import { hashPairsInto } from "./hash.ts";
import { zeroHash } from "./zeroHashes.ts";

/** The depth of a tensor of `byteLength` bytes: ceil(log2(max(1, ceil(n/32)))). */
export function tensorDepth(byteLength: number): number {
  if (!Number.isInteger(byteLength) || byteLength < 0)
    throw new RangeError(`byte length must be a non-negative integer, got ${byteLength}`);
  const leaves = Math.max(1, Math.ceil(byteLength / 32));
  let d = 0;
  while (2 ** d < leaves) d++;
  return d;
}

/**
 * The tensor root: `bytes` cut into 32-byte leaves (the last zero-padded),
 * padded with zero leaves to 2^tensorDepth, Merkleized. It equals the subtree root
 * of the same bytes stored 32·2^d-aligned in a zeroed Merkle memory. Only the
 * nodes above real leaves are hashed: a subtree of padding is its zero hash.
 */
export function tensorRoot(bytes: Uint8Array): Uint8Array {
  return tensorRootWith(bytes, tensorRootScratch(bytes.length));
}

/** Scratch for tensorRootWith on tensors of up to `maxLength` bytes (reusable: no allocation per tensor). */
export interface TensorRootScratch {
  a: Uint8Array;
  b: Uint8Array;
}

export function tensorRootScratch(maxLength: number): TensorRootScratch {
  const pairs = Math.ceil(Math.max(1, Math.ceil(maxLength / 32)) / 2);
  return { a: new Uint8Array(32 * (pairs + 1)), b: new Uint8Array(32 * (Math.ceil(pairs / 2) + 1)) };
}

/**
 * tensorRoot with the levels above the leaves in `scratch` (from tensorRootScratch for at least
 * this length): the leaves are hashed where they are, the bytes never copied.
 */
export function tensorRootWith(bytes: Uint8Array, scratch: TensorRootScratch): Uint8Array {
  const d = tensorDepth(bytes.length);
  if (d === 0) {
    const leaf = new Uint8Array(32);
    leaf.set(bytes);
    return leaf;
  }
  // Level 0 → 1: whole 64-byte pairs from the bytes, then a last partial one zero-padded.
  const whole = Math.floor(bytes.length / 64);
  let n = Math.ceil(Math.ceil(bytes.length / 32) / 2);
  let level = scratch.a;
  if (level.length < 32 * (n + 1)) throw new RangeError(`tensor root scratch too small for ${bytes.length} bytes`);
  hashPairsInto(bytes, 0, whole, level, 0);
  if (whole < n) {
    const last = new Uint8Array(64);
    last.set(bytes.subarray(64 * whole));
    hashPairsInto(last, 0, 1, level, 32 * whole);
  }
  let other = scratch.b;
  for (let h = 1; h < d; h++) {
    const pairs = Math.ceil(n / 2);
    if (n % 2 === 1) level.set(zeroHash(h), 32 * n);
    hashPairsInto(level, 0, pairs, other, 0);
    [level, other] = [other, level];
    n = pairs;
  }
  return level.slice(0, 32);
}
