/**
 * Sub → `add`: a constant operand is negated at import time (Sub(x, c) = x + (−c), Sub(c, x) via
 * Neg(x) + c); Sub of two activations negates the subtrahend with a `lut` (−x, −128 ↦ 127) and adds.
 */
import { Op } from "../../../ops.ts";
import { makeTensor } from "../../model.ts";
import { quantizeMultiplierPair } from "../../quantMath.ts";
import { broadcastOperand } from "../broadcastOperand.ts";
import type { OpHandler } from "../OpHandler.ts";
import { prod } from "../prod.ts";
import { negate } from "./neg.ts";

export const sub: OpHandler = {
  lower(ctx, n) {
    const out = ctx.output(n);
    const dOut = ctx.dimsOf(out);
    const [an, bn] = [ctx.input(n, 0), ctx.input(n, 1)];
    const bConst = ctx.inits.get(bn);
    let a;
    let b;
    if (bConst && (bConst.data instanceof Float32Array || bConst.data instanceof Float64Array)) {
      const negName = `${bn}.neg`;
      if (!ctx.inits.has(negName))
        ctx.inits.set(
          negName,
          makeTensor(
            negName,
            bConst.dims,
            Float32Array.from(bConst.data, (v) => -v),
          ),
        );
      a = broadcastOperand(ctx, n, an, dOut, false);
      b = broadcastOperand(ctx, n, negName, dOut, false);
    } else {
      a = broadcastOperand(ctx, n, an, dOut, false);
      const nb = negate(ctx, n, bn);
      b = broadcastOperand(ctx, n, nb, dOut, false);
    }
    const sOut = ctx.actScale(out);
    const { mA, mB, s } = quantizeMultiplierPair(a.scale / sOut, b.scale / sOut);
    ctx.emit(Op.add, [a.id, b.id], [prod(dOut), mA, mB, s], out, sOut, n.name);
  },
};
