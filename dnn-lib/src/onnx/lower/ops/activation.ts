/** Sigmoid, Tanh, Gelu (exact erf form) → `lut`: the table of §4 for the calibrated input and output scales. */
import { NONLINEAR } from "../../quantMath.ts";
import { emitLut } from "../emitLut.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";

export const activation: OpHandler = {
  lower(ctx, n) {
    if (n.opType === "Gelu" && n.attributes["approximate"]?.value === "tanh") ctx.unsupported(n, "approximate = tanh");
    emitLut(ctx, n, n.inputs[0], n.outputs[0], NONLINEAR[n.opType], n.name, prod(ctx.inputDims(n)));
  },
};
