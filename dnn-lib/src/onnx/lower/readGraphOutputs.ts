/** The graph outputs as the tensors they are bound to; an int16 one is read through its int8 copy. */
import { OnnxRunError, OnnxUnsupportedError } from "../errors.ts";
import type { QGraphIO } from "../QuantGraph.ts";
import type { LowerContext } from "./LowerContext.ts";

export function readGraphOutputs(ctx: LowerContext): QGraphIO[] {
  return ctx.graph.outputs.map((o) => {
    let e = ctx.lookup(o.name);
    if (!e && ctx.inits.has(o.name))
      throw new OnnxUnsupportedError(
        "constant output",
        `graph output ${o.name} does not depend on the graph's inputs (it folds to a constant)`,
      );
    if (!e) throw new OnnxRunError(`graph output ${o.name} was not produced`);
    // Only node outputs are bound to int16 tensors (an add16's, or an alias of one).
    if (e.i16) e = ctx.narrow(o.name, e, ctx.node(ctx.producer.get(o.name)!));
    return { id: e.id, name: o.name, scale: e.scale, dtype: ctx.tensor(e.id).dtype, dims: ctx.dimsOf(o.name) };
  });
}
