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
  const g = ctx.graph;
  const match = (x: string, nodes: number[]): FusionMatch => {
    const out = g.nodes[nodes[nodes.length - 1]!]!.outputs[0]!;
    return { nodes, lower: (c, at) => emitLut(c, at, x, out, NONLINEAR.Gelu, c.sourceOf(nodes)) };
  };
  g.nodes.forEach((erfNode, ei) => {
    if (erfNode.opType !== "Erf") return;
    const di = ctx.producer.get(erfNode.inputs[0]);
    if (di === undefined || ctx.soleConsumer(erfNode.inputs[0]) !== ei) return;
    const div = g.nodes[di];
    const isScaled =
      (div.opType === "Div" && near(ctx.scalarConst(div.inputs[1]), Math.SQRT2)) ||
      (div.opType === "Mul" && near(ctx.scalarConst(div.inputs[1]), Math.SQRT1_2));
    if (!isScaled) return;
    const x = div.inputs[0];
    const ai = ctx.soleConsumer(erfNode.outputs[0]);
    if (ai === undefined || g.nodes[ai].opType !== "Add") return;
    const add = g.nodes[ai];
    if (!near(ctx.scalarConst(add.inputs.find((i) => i !== erfNode.outputs[0]) ?? ""), 1)) return;
    const m1 = ctx.soleConsumer(add.outputs[0]);
    if (m1 === undefined || g.nodes[m1].opType !== "Mul") return;
    const m1Other = g.nodes[m1].inputs.find((i) => i !== add.outputs[0]);
    if (m1Other === x) {
      // (x · (1 + erf)) · 0.5
      const last = ctx.soleConsumer(g.nodes[m1].outputs[0]);
      if (last === undefined || g.nodes[last].opType !== "Mul") return;
      const o = g.nodes[last].inputs.find((i) => i !== g.nodes[m1].outputs[0]);
      if (!near(ctx.scalarConst(o ?? ""), 0.5)) return;
      found.set(last, match(x, [di, ei, ai, m1, last]));
    } else {
      // (x · 0.5) · (1 + erf)
      const hi = m1Other !== undefined ? ctx.producer.get(m1Other) : undefined;
      if (hi === undefined || g.nodes[hi].opType !== "Mul" || ctx.soleConsumer(m1Other!) !== m1) return;
      const h = g.nodes[hi];
      if (!h.inputs.includes(x) || !near(ctx.scalarConst(h.inputs.find((i) => i !== x) ?? ""), 0.5)) return;
      found.set(m1, match(x, [di, ei, ai, hi, m1]));
    }
  });
  return found;
};
