/**
 * Conv (1-D or 2-D, batch 1) → `conv2d`, weights per output channel. `group` > 1 (depthwise
 * included) becomes the dense convolution of block-diagonal weights, `dilations` a kernel with
 * zero taps between the weights, so both are exact at the cost of the zero MACs; a 1-D Conv is a
 * 2-D one of height 1. Pads (explicit or `auto_pad`) the same on all four sides go to the
 * kernel's `pad`; other pads are made explicit by `concat` with zero blocks (spatial.ts).
 * Strides must be equal on both axes (a 1-D Conv has one).
 */
import { Op } from "../../../ops.ts";
import type { OnnxNode } from "../../model.ts";
import { emitWeighted } from "../emitWeighted.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { padSpatial, spatialPads, type Pads, type Pair } from "../spatial.ts";
import { ofLength, type Tuple } from "../../tuple.ts";

/** Lowers Conv node `n` with weights W (of the node's weight shape), writing `out`. */
export function lowerConv(
  ctx: LowerContext,
  n: OnnxNode,
  W: Float64Array,
  bias: Float64Array | undefined,
  out: string,
  source: string,
): void {
  const dIn = ctx.inputDims(n);
  const wd = ctx.initOf(ctx.input(n, 1))?.dims ?? ctx.unsupported(n, "weights must be a constant");
  const w4 = ofLength(wd, 4);
  const w3 = ofLength(wd, 3);
  const is1d = w3 !== undefined;
  const kernel: Tuple<number, 4> | undefined = w4 ?? (w3 && [w3[0], w3[1], 1, w3[2]]);
  if (!kernel) ctx.unsupported(n, `only 1-D and 2-D convolutions are supported, weights [${wd}]`);
  const [OC, Cg, KH, KW] = kernel;
  const g = ctx.intAttr(n, "group", 1);
  const C = Cg * g;
  if (g < 1 || OC % g !== 0) ctx.unsupported(n, `group ${g} does not divide ${OC} output channels`);
  // The plane [H][W]; a 1-D Conv's [L] is [1][L].
  const plane = ofLength(is1d ? [1, ...dIn.slice(2)] : dIn.slice(2), 2);
  if (!plane || dIn.length !== wd.length || dIn[0] !== 1 || dIn[1] !== C)
    ctx.unsupported(n, `input must be [1][${C}]${is1d ? "[L]" : "[H][W]"}, is [${dIn}]`);
  const [H, Wd] = plane;
  // dilations and strides: one per spatial axis (a 1-D Conv's as [1, ·]).
  const pairAttr = (name: string, d: number): Pair => {
    const a = ctx.intsAttr(n, name);
    if (a === undefined) return [d, d];
    return ofLength(is1d ? [d, ...a] : a, 2) ?? ctx.unsupported(n, `${name} [${a}]`);
  };
  const dil = pairAttr("dilations", 1);
  const st = pairAttr("strides", 1);
  if (dil.some((v) => v < 1)) ctx.unsupported(n, `dilations [${dil}]`);
  const stride = st[1];
  if (!is1d && st[0] !== st[1]) ctx.unsupported(n, `unequal strides [${st}]`);
  const kh = (KH - 1) * dil[0] + 1;
  const kw = (KW - 1) * dil[1] + 1;
  let pads: Pads;
  if (is1d) {
    const p = spatialPads(
      ctx,
      { ...n, attributes: { ...n.attributes, ...pads1d(ctx, n) } },
      [1, Wd],
      [1, kw],
      [1, stride],
    );
    pads = [0, p[1], 0, p[3]];
  } else pads = spatialPads(ctx, n, [H, Wd], [kh, kw], st);
  // Dense weights [OC][C][kh][kw]: the group's block, dilated; the plain case keeps W as it is.
  // W holds OC·Cg·KH·KW values: the weights' own dims.
  let w = W;
  if (g !== 1 || kh !== KH || kw !== KW) {
    w = new Float64Array(OC * C * kh * kw);
    const opg = OC / g;
    for (let o = 0; o < OC; o++)
      for (let c = 0; c < Cg; c++)
        for (let u = 0; u < KH; u++)
          for (let v = 0; v < KW; v++)
            w[((o * C + Math.floor(o / opg) * Cg + c) * kh + u * dil[0]) * kw + v * dil[1]] =
              W[((o * Cg + c) * KH + u) * KW + v]!;
  }
  const symmetric = !is1d && pads.every((p) => p === pads[0]);
  let x = ctx.input(n, 0);
  const pad = symmetric ? pads[0] : 0;
  let [h, wdt] = [H, Wd];
  if (!symmetric && pads.some((p) => p > 0)) {
    const padded = padSpatial(ctx, n, x, ctx.get(x, n), C, H, Wd, pads, 0);
    x = `${x}.padded`;
    ctx.bind(x, padded.ref);
    [h, wdt] = [padded.H, padded.W];
  }
  if (h < kh || wdt < kw) ctx.unsupported(n, "the kernel is larger than the padded input");
  emitWeighted(ctx, n, {
    op: Op.conv2d,
    x,
    weight: ctx.input(n, 1),
    w,
    wShape: g !== 1 || kh !== KH || kw !== KW || is1d ? [OC, C, kh, kw] : wd,
    N: OC,
    K: C * kh * kw,
    bias,
    params: [C, h, wdt, OC, kh, kw, stride, pad],
    out,
    source,
  });
}

/** A 1-D Conv's pads [begin, end] as the 2-D form [0, begin, 0, end]. */
function pads1d(ctx: LowerContext, n: OnnxNode): Record<string, { type: "ints"; value: number[] }> {
  const p = ctx.intsAttr(n, "pads");
  if (!p) return {};
  const [begin, end] = ofLength(p, 2) ?? ctx.unsupported(n, `pads [${p}] of a 1-D convolution`);
  return { pads: { type: "ints", value: [0, begin, 0, end] } };
}

export const conv: OpHandler = {
  lower(ctx, n) {
    const W = ctx.floatInit(ctx.input(n, 1), n) ?? ctx.unsupported(n, "weights must be a constant");
    const b = ctx.optionalInput(n, 2);
    const bias = b ? (ctx.floatInit(b, n) ?? ctx.unsupported(n, "the bias must be a constant")) : undefined;
    lowerConv(ctx, n, W, bias, ctx.output(n), n.name);
  },
};
