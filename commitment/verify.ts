/** Stateless proof checks: the TypeScript twin of contracts/src/commitment/Merkle.sol. */
import { hashNode } from "./hash.ts";
import { ProofIndexError, ProofLengthError, RootMismatchError, WordSizeError } from "./errors.ts";

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The root reached from the node `sub` at `index` of level `height`, climbing
 * through `siblings` (bottom-up); the tree's depth is `height + siblings.length`.
 */
export function rootFromSubtree(sub: Uint8Array, index: number, height: number, siblings: Uint8Array[]): Uint8Array {
  if (sub.length !== 32) throw new WordSizeError(sub.length);
  const limit = 2 ** siblings.length;
  if (!Number.isInteger(index) || index < 0 || index >= limit) {
    throw new ProofIndexError(index, limit, height === 0 ? "leaf" : `height-${height} subtree`);
  }
  let node = sub;
  let i = index;
  for (const s of siblings) {
    if (s.length !== 32) throw new WordSizeError(s.length);
    node = i % 2 === 0 ? hashNode(node, s) : hashNode(s, node);
    i = Math.floor(i / 2);
  }
  return node;
}

/** The root reached from `leaf` at `index` through its `siblings` (bottom-up). */
export function rootFromLeaf(leaf: Uint8Array, index: number, siblings: Uint8Array[]): Uint8Array {
  return rootFromSubtree(leaf, index, 0, siblings);
}

/** Throws unless the height-`height` subtree root `sub` sits at `index` under `root` in a tree of `depth`. */
export function verifySubtree(
  root: Uint8Array,
  sub: Uint8Array,
  index: number,
  height: number,
  siblings: Uint8Array[],
  depth: number,
): void {
  if (!Number.isInteger(height) || height < 0 || height > depth) {
    throw new ProofIndexError(height, depth + 1, "subtree height");
  }
  if (siblings.length !== depth - height) throw new ProofLengthError(depth - height, siblings.length);
  const computed = rootFromSubtree(sub, index, height, siblings);
  if (!equal(computed, root)) throw new RootMismatchError(root, computed);
}

/** Throws unless `leaf` sits at `index` under `root` in a tree of `depth`. */
export function verifyLeaf(
  root: Uint8Array,
  leaf: Uint8Array,
  index: number,
  siblings: Uint8Array[],
  depth: number,
): void {
  verifySubtree(root, leaf, index, 0, siblings, depth);
}

/**
 * Verifies `oldLeaf` at `index` under `root`, then returns the root after writing
 * `newLeaf` there: one proof serves both (docs/protocol.md §3, "leaf write").
 */
export function updateLeaf(
  root: Uint8Array,
  oldLeaf: Uint8Array,
  newLeaf: Uint8Array,
  index: number,
  siblings: Uint8Array[],
  depth: number,
): Uint8Array {
  verifyLeaf(root, oldLeaf, index, siblings, depth);
  return rootFromLeaf(newLeaf, index, siblings);
}

export { equal as bytesEqual };
