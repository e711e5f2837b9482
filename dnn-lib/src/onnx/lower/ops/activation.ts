/**
 * Elementwise functions of one input → `lut`: the table of §4 for the calibrated input and output
 * scales. Sigmoid, Tanh, Gelu (exact erf form, or `approximate = tanh`), and Abs, Exp, Erf, Sin,
 * Cos, Atan, Sinh, Asinh, Softplus, Softsign, HardSwish, Elu, Celu, Selu, LeakyRelu,
 * ThresholdedRelu, HardSigmoid (their attributes read as ONNX defines them), Clip (min/max as
 * attributes before opset 11, constant inputs from 11). Functions undefined on part of the line
 * (Log, Sqrt, Reciprocal, Acos…) are not lowered this way.
 */
import type { OnnxNode } from "../../model.ts";
import { erf } from "../../../tables.ts";
import { NONLINEAR } from "../../quantMath.ts";
import { emitLut } from "../emitLut.ts";
import { geluTanh } from "../fusions/tanhGelu.ts";
import type { LowerContext } from "../LowerContext.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

type Fn = (r: number) => number;

/** The float function of node n (attributes read), or undefined when n's op is not a table activation. */
function functionOf(ctx: LowerContext, n: OnnxNode): Fn | undefined {
  const f = (a: string, d: number) => ctx.floatAttr(n, a, d);
  switch (n.opType) {
    case "Sigmoid":
    case "Tanh":
      return NONLINEAR[n.opType];
    case "Gelu":
      return n.attributes["approximate"]?.value === "tanh" ? geluTanh : NONLINEAR.Gelu;
    case "Abs":
      return Math.abs;
    case "Exp":
      return Math.exp;
    case "Erf":
      return erf;
    case "Sin":
      return Math.sin;
    case "Cos":
      return Math.cos;
    case "Atan":
      return Math.atan;
    case "Sinh":
      return Math.sinh;
    case "Asinh":
      return Math.asinh;
    case "Softplus":
      return (r) => Math.log1p(Math.exp(r));
    case "Softsign":
      return (r) => r / (1 + Math.abs(r));
    case "HardSwish":
      return (r) => r * Math.max(0, Math.min(1, r / 6 + 0.5));
    case "Elu": {
      const a = f("alpha", 1);
      return (r) => (r >= 0 ? r : a * Math.expm1(r));
    }
    case "Celu": {
      const a = f("alpha", 1);
      return (r) => Math.max(0, r) + Math.min(0, a * Math.expm1(r / a));
    }
    case "Selu": {
      const [a, g] = [f("alpha", 1.67326319217681884765625), f("gamma", 1.05070102214813232421875)];
      return (r) => g * (r > 0 ? r : a * Math.expm1(r));
    }
    case "LeakyRelu": {
      const a = f("alpha", 0.01);
      return (r) => (r >= 0 ? r : a * r);
    }
    case "ThresholdedRelu": {
      const a = f("alpha", 1);
      return (r) => (r > a ? r : 0);
    }
    case "HardSigmoid": {
      const [a, b] = [f("alpha", 0.2), f("beta", 0.5)];
      return (r) => Math.max(0, Math.min(1, a * r + b));
    }
    case "Clip": {
      let [lo, hi] = [-Infinity, Infinity];
      if (ctx.opset < 11) [lo, hi] = [f("min", -3.4028234663852886e38), f("max", 3.4028234663852886e38)];
      else
        for (const [k, name] of n.inputs.slice(1).entries()) {
          if (!name) continue;
          const v = ctx.scalarConst(name);
          if (v === undefined) ctx.unsupported(n, `${k === 0 ? "min" : "max"} must be a scalar constant`);
          if (k === 0) lo = v!;
          else hi = v!;
        }
      return (r) => Math.min(hi, Math.max(lo, r));
    }
    default:
      return undefined;
  }
}

/** The op types this handler lowers. */
export const ACTIVATION_OPS = [
  "Sigmoid",
  "Tanh",
  "Gelu",
  "Abs",
  "Exp",
  "Erf",
  "Sin",
  "Cos",
  "Atan",
  "Sinh",
  "Asinh",
  "Softplus",
  "Softsign",
  "HardSwish",
  "Elu",
  "Celu",
  "Selu",
  "LeakyRelu",
  "ThresholdedRelu",
  "HardSigmoid",
  "Clip",
];

export const activation: OpHandler = {
  lower(ctx, n) {
    const fn = functionOf(ctx, n);
    if (!fn) ctx.unsupported(n, "not a table activation");
    emitLut(ctx, n, ctx.input(n, 0), ctx.output(n), fn!, n.name, prod(ctx.inputDims(n)));
  },
};
