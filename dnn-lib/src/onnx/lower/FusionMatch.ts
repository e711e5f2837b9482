/**
 * A pattern-matched subgraph lowered as one unit (fusions/). A finder scans the whole graph before
 * any node is lowered and returns its matches keyed by the index of the node each is lowered at;
 * the walk then skips the match's other nodes and calls `lower` when it reaches that node, in
 * place of the node's op handler. The finders, in the order they run, are in fusions.ts.
 */
import type { OnnxNode } from "../model.ts";
import type { LowerContext } from "./LowerContext.ts";

export interface FusionMatch {
  /** Indices of the ONNX nodes the match stands for, the node it is lowered at included. */
  nodes: number[];
  /** Lowers the whole match; `at` is the node it is keyed by. */
  lower(ctx: LowerContext, at: OnnxNode): void;
}

/** Finds a pattern's matches in `ctx.graph`, keyed by the index of the node each is lowered at. */
export type FindFusions = (ctx: LowerContext) => Map<number, FusionMatch>;
