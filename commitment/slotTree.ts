/** Slot leaves and slot trees: graph states S_i, weightsRoot, graphRoot (docs/protocol.md §2.2). */
import { domainTag, hashWithDomain, word } from "./hash.ts";
import { SparseMerkleTree } from "./SparseMerkleTree.ts";
import { tensorRoot } from "./tensorRoot.ts";
import { WordSizeError } from "./errors.ts";

/**
 * Depth of every slot tree: 2^24 slots, so that a generation model of a LLaMA-2-7B or 13B shape
 * holds its whole 4,096-token context (one node per slot, docs/protocol.md §2.2).
 */
export const SLOT_DEPTH = 24;
export const SLOT_TAG = domainTag("opml.slot.v1");

/** slotLeaf(root, n) = H("opml.slot.v1" ‖ root ‖ uint256 n): binds a tensor root to its byte length. */
export function slotLeaf(root: Uint8Array, byteLength: number): Uint8Array {
  if (root.length !== 32) throw new WordSizeError(root.length);
  return hashWithDomain(SLOT_TAG, root, word(byteLength));
}

/** The slot leaf of a tensor's bytes. */
export function tensorSlotLeaf(bytes: Uint8Array): Uint8Array {
  return slotLeaf(tensorRoot(bytes), bytes.length);
}

/** What writing one slot changes, with the proof that shows it. */
export interface SlotWrite {
  slot: number;
  oldLeaf: Uint8Array;
  newLeaf: Uint8Array;
  /** The SLOT_DEPTH siblings of the slot, bottom-up: proves oldLeaf under oldRoot and newLeaf under newRoot. */
  proof: Uint8Array[];
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
}

/** A depth-SLOT_DEPTH tree of slot leaves; an empty slot is the zero word. */
export class SlotTree {
  private readonly tree = new SparseMerkleTree(SLOT_DEPTH);

  /** Fills slot `k` with a tensor. */
  setSlot(k: number, bytes: Uint8Array): void {
    this.tree.setLeaf(k, tensorSlotLeaf(bytes));
  }

  setSlotLeaf(k: number, leaf: Uint8Array): void {
    this.tree.setLeaf(k, leaf);
  }

  getSlotLeaf(k: number): Uint8Array {
    return this.tree.getLeaf(k);
  }

  root(): Uint8Array {
    return this.tree.root();
  }

  /** The inclusion proof of slot `k`. */
  prove(k: number): Uint8Array[] {
    return this.tree.proveLeaf(k);
  }

  /** Writes `leaf` into slot `k` and returns the old and new roots with the one proof linking them. */
  writeSlot(k: number, leaf: Uint8Array): SlotWrite {
    const oldRoot = this.tree.root();
    const proof = this.tree.proveLeaf(k);
    const oldLeaf = this.tree.getLeaf(k);
    this.tree.setLeaf(k, leaf);
    return { slot: k, oldLeaf, newLeaf: leaf.slice(), proof, oldRoot, newRoot: this.tree.root() };
  }
}
