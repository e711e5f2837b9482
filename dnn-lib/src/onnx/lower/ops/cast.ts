/**
 * Cast of a float activation to FLOAT (or DOUBLE, FLOAT16, BFLOAT16: every float the graph holds
 * is an int8 real here) → no node, as Identity. A cast to an integer or bool type is refused.
 */
import { DataType } from "../../proto.ts";
import type { OpHandler } from "../OpHandler.ts";
import { alias } from "./alias.ts";

/** FLOAT, DOUBLE, FLOAT16 (10), BFLOAT16 (16). */
const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE, 10, 16]);

export const cast: OpHandler = {
  lower(ctx, n) {
    const to = ctx.intAttr(n, "to", 0);
    if (!FLOATS.has(to)) ctx.unsupported(n, `attribute to = ${to}: a cast of an activation to a non-float type`);
    alias.lower(ctx, n);
  },
};
