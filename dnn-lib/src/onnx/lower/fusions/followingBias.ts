/**
 * MatMul + Add of a constant [N] bias as one `matmul`: found by the MatMul handler when it lowers
 * (ops/matMul.ts), not by a finder. When the MatMul's output has one reader, an Add whose other
 * operand is a float constant of N values, the Add is marked lowered and the matmul writes its output.
 */
import type { OnnxNode } from "../../model.ts";
import type { LowerContext } from "../LowerContext.ts";

export function followingBias(
  ctx: LowerContext,
  matMul: OnnxNode,
  N: number,
): { bias: Float64Array; out: string; source: string } | undefined {
  const out = matMul.outputs[0];
  const c = ctx.soleConsumer(out);
  if (c === undefined || ctx.node(c).opType !== "Add") return undefined;
  const add = ctx.node(c);
  const other = add.inputs.find((x) => x !== out);
  const bias = other !== undefined ? ctx.floatInit(other, add) : undefined;
  const sum = add.outputs[0];
  if (!bias || bias.length !== N || sum === undefined) return undefined;
  ctx.skip(c);
  return { bias, out: sum, source: `${matMul.name}+${add.name}` };
}
