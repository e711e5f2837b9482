/**
 * The graph state S_i as nodes run (docs/protocol.md §4.2): the slot tree of the input, every
 * node's output slot and every cache slot. A node with `into` replaces one aligned block of its
 * cache (the output, then zeros to the block's end); the cache's tensor tree is kept so that a
 * write costs the block and one path, not the whole cache. Phase 1 (runModel, NativeRunner), the
 * claim and the phase-2 proofs all compute S_i here.
 */
import { SlotTree, slotLeaf } from "../../../commitment/slotTree.ts";
import { SparseMerkleTree } from "../../../commitment/SparseMerkleTree.ts";
import { tensorDepth } from "../../../commitment/tensorRoot.ts";
import { cacheOfSlot, writeOf, type GraphNode, type Model } from "./Model.ts";
import { SlotKind } from "../nodeInput.ts";
import { ModelGraphError } from "./errors.ts";

/** What the exit proof of a block write needs about the cache before it (docs/protocol.md §6.5). */
export interface RegionPrior {
  /** The cache slot was still empty (its leaf the zero word). */
  empty: boolean;
  /** The cache's tensor root before the write (the zero tree's root when empty). */
  root: Uint8Array;
  /** The block's subtree root before the write. */
  blockRoot: Uint8Array;
  /** The block's siblings up to the cache's tensor root, bottom-up. */
  proof: Uint8Array[];
}

export class GraphState {
  readonly slots = new SlotTree();
  private readonly trees = new Map<number, SparseMerkleTree>();
  private readonly buffers = new Map<number, Uint8Array>();

  constructor(
    private readonly model: Pick<Model, "nodes" | "caches">,
    input: Uint8Array,
  ) {
    this.slots.setSlot(0, input);
  }

  /** Applies node `i`'s output `out`. */
  write(i: number, out: Uint8Array): void {
    const w = writeOf(this.model, i);
    if (!w.region) return this.slots.setSlot(w.slot, out);
    const { offset, total } = w.region;
    const c = cacheOfSlot(this.model, w.slot)!;
    const block = 32 * 2 ** tensorDepth(out.length);
    if (offset % block !== 0 || offset + out.length > total)
      throw new ModelGraphError(`node ${i}: its block does not fit cache ${c}`, {
        details: `offset ${offset}, ${out.length} bytes (block ${block}), cache ${total} bytes`,
      });
    const buf = this.cacheBytes(c, total);
    const end = Math.min(offset + block, total);
    buf.fill(0, offset, end);
    buf.set(out, offset);
    const tree = this.cacheTree(c, total);
    tree.writeBytes(offset, buf.subarray(offset, end));
    this.slots.setSlotLeaf(w.slot, slotLeaf(tree.root(), total));
  }

  /** Applies node `i`'s output by its slot leaf, computed elsewhere (not for a cache writer). */
  writeLeaf(i: number, leaf: Uint8Array): void {
    const w = writeOf(this.model, i);
    if (w.region) throw new ModelGraphError(`node ${i} writes a cache block: its slot leaf is not its output's`);
    this.slots.setSlotLeaf(w.slot, leaf);
  }

  root(): Uint8Array {
    return this.slots.root();
  }

  /** The bytes of cache slot `slot` now (zeros where no block was written). */
  cache(slot: number): Uint8Array {
    const c = cacheOfSlot(this.model, slot);
    if (c === undefined) throw new ModelGraphError(`slot ${slot} is not a cache slot`);
    return this.cacheBytes(c, this.model.caches![c]!).slice();
  }

  /**
   * Node `node`'s operand bytes now: weights, the slots in `outputs` (the input, then each node's
   * output bytes, as a run returns them) and caches as they are in this state.
   */
  operands(
    node: Pick<GraphNode, "inputs">,
    outputs: readonly Uint8Array[],
    weights: readonly Uint8Array[],
  ): Uint8Array[] {
    return node.inputs.map((s) =>
      s.kind === SlotKind.weight
        ? weights[s.slot]!
        : cacheOfSlot(this.model, s.slot) !== undefined
          ? this.cache(s.slot)
          : outputs[s.slot]!,
    );
  }

  /** The cache's state before node `i`'s block write, as its exit proof needs it. */
  regionPrior(i: number, outputLength: number): RegionPrior {
    const w = writeOf(this.model, i);
    if (!w.region) throw new ModelGraphError(`node ${i} writes a whole slot, not a block`);
    const c = cacheOfSlot(this.model, w.slot)!;
    const d = tensorDepth(outputLength);
    const tree = this.cacheTree(c, w.region.total);
    const index = w.region.offset / (32 * 2 ** d);
    return {
      empty: this.slots.getSlotLeaf(w.slot).every((b) => b === 0),
      root: tree.root(),
      blockRoot: tree.subtreeRoot(index, d),
      proof: tree.proveSubtree(index, d),
    };
  }

  private cacheBytes(c: number, total: number): Uint8Array {
    let b = this.buffers.get(c);
    if (!b) this.buffers.set(c, (b = new Uint8Array(total)));
    return b;
  }

  private cacheTree(c: number, total: number): SparseMerkleTree {
    let t = this.trees.get(c);
    if (!t) this.trees.set(c, (t = new SparseMerkleTree(tensorDepth(total))));
    return t;
  }
}
