/**
 * An integer model: a graph of dnn-lib nodes over activation and weight slots
 * (docs/model-format.md). Activation slot 0 is the input; node i writes activation slot i + 1,
 * or — a node with `into` — one aligned block of a cache slot (docs/protocol.md §4.2); the
 * model's output is the last node's output.
 */
import type { OperandSlot } from "../nodeInput.ts";
import { SLOT_DEPTH } from "../../../commitment/slotTree.ts";

export interface GraphNode {
  op: number;
  /** Where each operand comes from: an activation slot written earlier, or a weight slot. */
  inputs: OperandSlot[];
  params: number[];
  /**
   * Write the output into cache `cache` at byte `offset` (a multiple of the output's block size,
   * 32·2^tensorDepth(output length)) instead of into the node's own slot, which stays empty.
   */
  into?: { cache: number; offset: number };
}

export interface Model {
  name: string;
  /** Input byte length (activation slot 0). */
  inputLength: number;
  /** Real value of one input / output LSB (for quantizing inputs and reading outputs; not consensus). */
  inputScale: number;
  outputScale: number;
  nodes: GraphNode[];
  /** Weight tensors by weight slot. */
  weights: Uint8Array[];
  /**
   * Byte lengths of the cache slots: activation slots written block by block, in place, by nodes
   * with `into` (a generation model's key/value caches). Cache `c` is slot {@link cacheSlot}(c).
   */
  caches?: number[];
}

/** The activation slot node `i` writes. */
export function outputSlotOf(i: number): number {
  return i + 1;
}

/** The activation slot of cache `c`: caches are numbered down from the slot tree's last slot. */
export function cacheSlot(c: number): number {
  return 2 ** SLOT_DEPTH - 1 - c;
}

/** The cache a slot is, or undefined for a node's or the input's slot. */
export function cacheOfSlot(model: Pick<Model, "caches">, slot: number): number | undefined {
  const c = 2 ** SLOT_DEPTH - 1 - slot;
  return c >= 0 && c < (model.caches?.length ?? 0) ? c : undefined;
}

/** Where node `i`'s output goes: its own slot, or a block of a cache slot. */
export function writeOf(
  model: Pick<Model, "nodes" | "caches">,
  i: number,
): { slot: number; region?: { offset: number; total: number } } {
  const into = model.nodes[i]?.into;
  if (!into) return { slot: outputSlotOf(i) };
  return { slot: cacheSlot(into.cache), region: { offset: into.offset, total: model.caches![into.cache]! } };
}
