/** Tensor roots (docs/protocol.md §2.1). */
import { hashPairsInto } from "./hash.ts";

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
 * of the same bytes stored 32·2^d-aligned in a zeroed Merkle memory.
 */
export function tensorRoot(bytes: Uint8Array): Uint8Array {
  const d = tensorDepth(bytes.length);
  let level = new Uint8Array(32 * 2 ** d);
  level.set(bytes);
  for (let h = 0; h < d; h++) {
    const up = new Uint8Array(level.length / 2);
    hashPairsInto(level, 0, up.length / 32, up, 0);
    level = up;
  }
  return level;
}
