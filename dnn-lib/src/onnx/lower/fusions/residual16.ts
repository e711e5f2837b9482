/**
 * The int16 residual stream (`int16Residual`, docs/fixed-point.md §6): every Add of two same-shape
 * activations (the residual connections) becomes `add16` at scale max|x| / 32767, its int8
 * operands widened by `cvt8to16` ×1; every other reader of the sum gets an int8 copy
 * (LowerContext `get` → `narrow`). A match is the one Add; lowerModel looks for them after the
 * graph inputs are bound, and only when the option is on.
 */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import { quantizeMultiplierPair } from "../../quantMath.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import type { LowerContext } from "../LowerContext.ts";
import { prod } from "../prod.ts";

export const residual16: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  ctx.graph.nodes.forEach((n, i) => {
    const out = n.outputs[0];
    if (n.opType !== "Add" || out === undefined || n.inputs.length !== 2) return;
    const same = (x: string) => ctx.hasDims(x) && ctx.dimsOf(x).join() === ctx.dimsOf(out).join();
    if (n.inputs.every((x) => !ctx.inits.has(x) && same(x))) found.set(i, { nodes: [i], lower: lowerResidual16 });
  });
  return found;
};

function lowerResidual16(ctx: LowerContext, n: OnnxNode): void {
  const [an, bn] = [ctx.input(n, 0), ctx.input(n, 1)];
  const out = ctx.output(n);
  const [a, b] = [ctx.wide(an, n), ctx.wide(bn, n)];
  const s16 = (ctx.maxAbsOf(out) || 1) / 32767;
  const { mA, mB, s } = quantizeMultiplierPair(a.scale / s16, b.scale / s16);
  ctx.emit(Op.add16, [a.id, b.id], [prod(ctx.dimsOf(out)), mA, mB, s], out, s16, n.name);
}
