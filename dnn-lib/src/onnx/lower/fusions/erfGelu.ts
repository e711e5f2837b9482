/**
 * GELU written out with Erf, as exports before opset 20 write it: x · (1 + erf(x / √2)) · 0.5 in
 * either Mul order ((x · (1 + erf)) · 0.5 or (x · 0.5) · (1 + erf)), Div by √2 or Mul by 1/√2,
 * becomes one `lut` node of the exact GELU. Keyed by its last Mul.
 */
import { NONLINEAR } from "../../quantMath.ts";
import { emitLut } from "../emitLut.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";

const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) < 1e-4 * want;

export const erfGelu: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const match = (x: string, nodes: number[], last: number): FusionMatch | undefined => {
    const out = ctx.node(last).outputs[0];
    if (out === undefined) return undefined;
    return { nodes, lower: (c, at) => emitLut(c, at, x, out, NONLINEAR.Gelu, c.sourceOf(nodes)) };
  };
  const claim = (at: number, m: FusionMatch | undefined) => {
    if (m) found.set(at, m);
  };
  ctx.graph.nodes.forEach((erfNode, ei) => {
    if (erfNode.opType !== "Erf") return;
    const di = ctx.producerOf(erfNode.inputs[0]);
    if (di === undefined || ctx.soleConsumer(erfNode.inputs[0]) !== ei) return;
    const div = ctx.node(di);
    const isScaled =
      (div.opType === "Div" && near(ctx.scalarConst(div.inputs[1]), Math.SQRT2)) ||
      (div.opType === "Mul" && near(ctx.scalarConst(div.inputs[1]), Math.SQRT1_2));
    const x = div.inputs[0];
    const erfOut = erfNode.outputs[0];
    if (!isScaled || x === undefined || erfOut === undefined) return;
    const ai = ctx.soleConsumer(erfOut);
    if (ai === undefined || ctx.node(ai).opType !== "Add") return;
    const add = ctx.node(ai);
    if (!near(ctx.scalarConst(add.inputs.find((i) => i !== erfOut)), 1)) return;
    const addOut = add.outputs[0];
    const m1 = ctx.soleConsumer(addOut);
    if (m1 === undefined || ctx.node(m1).opType !== "Mul") return;
    const m1Other = ctx.node(m1).inputs.find((i) => i !== addOut);
    if (m1Other === x) {
      // (x · (1 + erf)) · 0.5
      const m1Out = ctx.node(m1).outputs[0];
      const last = ctx.soleConsumer(m1Out);
      if (last === undefined || ctx.node(last).opType !== "Mul") return;
      const o = ctx.node(last).inputs.find((i) => i !== m1Out);
      if (!near(ctx.scalarConst(o), 0.5)) return;
      claim(last, match(x, [di, ei, ai, m1, last], last));
    } else {
      // (x · 0.5) · (1 + erf)
      const hi = ctx.producerOf(m1Other);
      if (hi === undefined || ctx.node(hi).opType !== "Mul" || ctx.soleConsumer(m1Other) !== m1) return;
      const h = ctx.node(hi);
      if (!h.inputs.includes(x) || !near(ctx.scalarConst(h.inputs.find((i) => i !== x)), 0.5)) return;
      claim(m1, match(x, [di, ei, ai, hi, m1], m1));
    }
  });
  return found;
};
