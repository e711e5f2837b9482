/**
 * Lowers a calibrated ONNX float graph to a QuantGraph (docs/fixed-point.md §6, docs/onnx.md). In order:
 *
 * 0. the folding pass (../fold/foldConstants.ts) replaces every static node by an initializer;
 * 1. each op handler's `prepare` runs on its nodes (Concat ties its inputs' scales);
 * 2. the fusion finders (fusions.ts) claim the subgraphs lowered as one node;
 * 3. the graph inputs are bound (bindGraphInputs.ts); with `int16Residual` the residual Adds are
 *    claimed (fusions/residual16.ts);
 * 4. the nodes are lowered in graph order: a node a fusion covers is passed by, the node a fusion
 *    is keyed by lowers the whole match, any other node goes to the handler of its op type
 *    (opHandlers.ts) or is refused naming it;
 * 5. the graph outputs are read (readGraphOutputs.ts).
 *
 * Everything a handler or fusion needs is on its LowerContext.
 */
import type { OnnxModel } from "../model.ts";
import { OnnxUnsupportedError } from "../errors.ts";
import { foldConstants } from "../fold/foldConstants.ts";
import type { Calibration } from "../calibrate.ts";
import type { QuantGraph } from "../QuantGraph.ts";
import { bindGraphInputs } from "./bindGraphInputs.ts";
import { residual16 } from "./fusions/residual16.ts";
import { FUSIONS } from "./fusions.ts";
import type { FusionMatch } from "./FusionMatch.ts";
import { readGraphOutputs } from "./readGraphOutputs.ts";
import { LowerContext } from "./LowerContext.ts";
import { OP_HANDLERS } from "./opHandlers.ts";

export interface LowerOptions {
  /**
   * Keep the residual stream in int16 (docs/fixed-point.md §6): every Add of two same-shape
   * activations becomes `add16` (its int8 operands widened by `cvt8to16`), and each other
   * consumer of such a sum reads an int8 copy made by `cvt16to8` at its calibrated int8 scale.
   */
  int16Residual?: boolean;
}

export function lowerModel(model: OnnxModel, calibration: Calibration, opts: LowerOptions = {}): QuantGraph {
  for (const o of model.opsetImports)
    if (o.domain !== "" && o.domain !== "ai.onnx")
      throw new OnnxUnsupportedError(o.domain, `unsupported operator set domain "${o.domain}"`);
  const ctx = new LowerContext(foldConstants(model, calibration.dims).model, calibration);
  const g = ctx.graph;

  const claims = new Map<number, FusionMatch>();
  const covered = new Set<number>();
  const claim = (found: Map<number, FusionMatch>) => {
    for (const [at, m] of found) {
      if (!selfContained(ctx, at, m)) continue;
      if (!claims.has(at)) claims.set(at, m);
      m.nodes.forEach((i) => i !== at && covered.add(i));
    }
  };
  for (const n of g.nodes) OP_HANDLERS.get(n.opType)?.prepare?.(ctx, n);
  for (const find of FUSIONS) claim(find(ctx));
  const inputs = bindGraphInputs(ctx);
  if (opts.int16Residual) claim(residual16(ctx));

  g.nodes.forEach((n, idx) => {
    if (ctx.isSkipped(idx) || covered.has(idx)) return;
    if (n.domain !== "" && n.domain !== "ai.onnx") ctx.unsupported(n, `domain "${n.domain}" is not supported`);
    const fusion = claims.get(idx);
    if (fusion) return fusion.lower(ctx, n);
    const handler = OP_HANDLERS.get(n.opType);
    if (!handler) ctx.unsupported(n, "operator not supported by the importer");
    handler!.lower(ctx, n);
  });

  return { name: g.name, tensors: ctx.tensors, nodes: ctx.nodes, inputs, outputs: readGraphOutputs(ctx) };
}

/** A match whose inner nodes' outputs are read only inside it (or by nothing); else it is no match. */
function selfContained(ctx: LowerContext, at: number, m: FusionMatch): boolean {
  const inside = new Set(m.nodes);
  return m.nodes.every(
    (i) =>
      i === at || ctx.node(i).outputs.every((o) => ctx.readers(o).every((r) => inside.has(r)) && !ctx.isGraphOutput(o)),
  );
}
