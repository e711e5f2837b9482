/**
 * How one ONNX op type is lowered: `lower` is called for each of its nodes that no fusion
 * covers, in graph order (what earlier nodes write is bound by then); it binds the node's output,
 * by emitting dnn-lib nodes or as an alias, or refuses the node with `ctx.unsupported`. `prepare`,
 * when given, runs for every node of the op type, in graph order, before anything else looks at
 * the graph (fusion finders, graph inputs, any `lower`): the place to tie scales other nodes must
 * produce (Concat). The registry is opHandlers.ts.
 */
import type { OnnxNode } from "../model.ts";
import type { LowerContext } from "./LowerContext.ts";

export interface OpHandler {
  prepare?(ctx: LowerContext, n: OnnxNode): void;
  lower(ctx: LowerContext, n: OnnxNode): void;
}
