/** The commitment library: the one Merkle/commitment implementation every part of opML uses. */
export { keccak256, hashNode, hashPairInto, hashPairsInto, domainTag, hashWithDomain, word } from "./hash.ts";
export { zeroHash, MAX_DEPTH } from "./zeroHashes.ts";
export { SparseMerkleTree, MAX_TREE_DEPTH } from "./SparseMerkleTree.ts";
export { rootFromLeaf, rootFromSubtree, verifyLeaf, verifySubtree, updateLeaf, bytesEqual } from "./verify.ts";
export { tensorDepth, tensorRoot } from "./tensorRoot.ts";
export { SLOT_DEPTH, SLOT_TAG, slotLeaf, tensorSlotLeaf, SlotTree, type SlotWrite } from "./slotTree.ts";
export { ProofLengthError, ProofIndexError, RootMismatchError, WordSizeError } from "./errors.ts";
