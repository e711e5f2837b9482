/**
 * Transpose, any perm: no node when only unit axes move; `transpose` (E = 1) when the perm, unit
 * axes dropped, is a rotation (a 2-D transpose of [R][C]); else one `strided` view (stridedView.ts,
 * contiguous axes merged), refused when more than 4 axes remain.
 */
import { Op } from "../../../ops.ts";
import { isIdentityView, isPermutation, transposeView } from "../../stridedView.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const transpose: OpHandler = {
  lower(ctx, n) {
    const dIn = ctx.inputDims(n);
    const out = ctx.output(n);
    const rank = dIn.length;
    const perm = ctx.intsAttr(n, "perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    if (!isPermutation(perm, rank)) ctx.unsupported(n, `perm [${perm}] is not a permutation of ${rank} axes`);
    const x = ctx.get(ctx.input(n, 0), n);
    // Drop size-1 axes; a rotation [k..r-1, 0..k-1] of what is left is a 2-D transpose of [R][C].
    // (perm is a permutation of dIn's axes.)
    const keep = perm.filter((a) => dIn[a]! !== 1);
    const order = [...keep].sort((a, b) => a - b);
    const p = keep.map((a) => order.indexOf(a));
    const k = p[0];
    if (k === undefined || p.every((v, i) => v === (i + k) % p.length)) {
      const d = order.map((a) => dIn[a]!);
      if (k === 0) ctx.bind(out, x);
      // (Every axis 1, k undefined: a one-element transpose.)
      else ctx.emit(Op.transpose, [x.id], [prod(d.slice(0, k)), prod(d.slice(k)), 1], out, x.scale, n.name);
      return;
    }
    // Any other permutation: one strided view (up to four axes after merging contiguous ones).
    const view = transposeView(dIn, perm);
    if (!view) ctx.unsupported(n, `perm [${perm}] of [${dIn}] leaves more than 4 axes to permute`);
    if (isIdentityView(view!)) ctx.bind(out, x);
    else ctx.emit(Op.strided, [x.id], [...view!.d, ...view!.st, 1, view!.n], out, x.scale, n.name);
  },
};
