/**
 * The slow truth for the commitment library: a dense Merkle tree built by
 * recursion with viem's keccak256 (a different keccak implementation from the
 * library's), over an explicit list of leaves.
 */
import { keccak256, concat } from "viem";

export function referenceHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  return keccak256(concat([a, b]), "bytes");
}

/** Root of `leaves` (length a power of two). */
export function referenceRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  const half = leaves.length / 2;
  return referenceHash(referenceRoot(leaves.slice(0, half)), referenceRoot(leaves.slice(half)));
}

/** Siblings of leaf `index`, bottom-up. */
export function referenceProof(leaves: Uint8Array[], index: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let level = leaves;
  let i = index;
  while (level.length > 1) {
    out.push(level[i ^ 1]!);
    const up: Uint8Array[] = [];
    for (let j = 0; j < level.length; j += 2) up.push(referenceHash(level[j]!, level[j + 1]!));
    level = up;
    i >>= 1;
  }
  return out;
}
