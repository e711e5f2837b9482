/**
 * A `matmul` or `conv2d` node: activation x times constant float weights w[N][K] (row n = output
 * channel n), quantized per output channel to int8, with the int32 bias (at s_x · s_w[c]) and the
 * per-channel requantization (multiplier, shift) to the output's scale as constant operands.
 */
import type { OpCode } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { clampI32, quantizeMultiplier, quantizePerChannel, roundHalfAway } from "../quantMath.ts";
import type { LowerContext } from "./LowerContext.ts";

export interface Weighted {
  op: OpCode;
  /** The activation operand. */
  x: string;
  /** The ONNX name of the weights (the constant is named `${weight}.q`), their float values and shape. */
  weight: string;
  w: Float64Array;
  wShape: number[];
  N: number;
  K: number;
  bias: Float64Array | undefined;
  params: number[];
  out: string;
  source: string;
}

/** Refuses weights that are not N·K values or a bias that is not N (a malformed model's constants). */
export function emitWeighted(ctx: LowerContext, n: OnnxNode, spec: Weighted): void {
  if (spec.w.length !== spec.N * spec.K)
    ctx.unsupported(n, `${spec.weight} has ${spec.w.length} values, not ${spec.N}·${spec.K}`);
  if (spec.bias && spec.bias.length !== spec.N)
    ctx.unsupported(n, `the bias has ${spec.bias.length} values for ${spec.N} output channels`);
  const x = ctx.get(spec.x, n);
  const sOut = ctx.actScale(spec.out);
  const { q, scales } = quantizePerChannel(spec.w, spec.N, spec.K);
  const w = ctx.constant(`${spec.weight}.q`, q, spec.wShape);
  const consts = requantConsts(ctx, spec.out, x.scale, scales, spec.bias, sOut);
  ctx.emit(spec.op, [x.id, w, ...consts], spec.params, spec.out, sOut, spec.source);
}

/**
 * Bias, multiplier and shift constants of a per-channel requantization from s_x · s_w[c] to sOut;
 * `b`, when given, has one value per channel (emitWeighted checked).
 */
function requantConsts(
  ctx: LowerContext,
  base: string,
  sx: number,
  sw: Float64Array,
  b: Float64Array | undefined,
  sOut: number,
): number[] {
  const N = sw.length;
  const bias = new Int32Array(N);
  const mult = new Int32Array(N);
  const shift = new Int32Array(N);
  for (let c = 0; c < N; c++) {
    const swc = sw[c]!;
    bias[c] = b ? clampI32(roundHalfAway(b[c]! / (sx * swc))) : 0;
    const { m, s } = quantizeMultiplier((sx * swc) / sOut, base);
    mult[c] = m;
    shift[c] = s;
  }
  return [
    ctx.constant(`${base}.bias_q`, bias, [N]),
    ctx.constant(`${base}.mult`, mult, [N]),
    ctx.constant(`${base}.shift`, shift, [N]),
  ];
}
