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
  const d = tensorDepth(bytes.length);
  let n = Math.max(1, Math.ceil(bytes.length / 32));
  // One spare word for the zero sibling of an odd last node.
  let level = new Uint8Array(32 * (n + 1));
  level.set(bytes);
  for (let h = 0; h < d; h++) {
    const pairs = Math.ceil(n / 2);
    if (n % 2 === 1) level.set(zeroHash(h), 32 * n);
    const up = new Uint8Array(32 * (pairs + 1));
    hashPairsInto(level, 0, pairs, up, 0);
    level = up;
    n = pairs;
  }
  return level.slice(0, 32);
}
