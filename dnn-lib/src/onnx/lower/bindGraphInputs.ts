/**
 * The graph inputs (those that are not also initializers) as input tensors: a float input is int8
 * at its calibrated scale, an int64/int32 one (token ids) int32; any other type is refused naming it.
 */
import { OnnxUnsupportedError } from "../errors.ts";
import { dataTypeName } from "../model.ts";
import { DataType } from "../proto.ts";
import type { QGraphIO } from "../QuantGraph.ts";
import type { LowerContext } from "./LowerContext.ts";

export function bindGraphInputs(ctx: LowerContext): QGraphIO[] {
  const inputs: QGraphIO[] = [];
  for (const vi of ctx.graph.inputs) {
    if (ctx.inits.has(vi.name)) continue;
    const dims = ctx.dimsOf(vi.name);
    if (vi.elemType === DataType.FLOAT) {
      const s = ctx.actScale(vi.name);
      const id = ctx.newTensor({ name: vi.name, kind: "input", dtype: "i8", shape: dims, scale: s });
      ctx.bind(vi.name, { id, scale: s });
      inputs.push({ id, name: vi.name, scale: s, dtype: "i8", dims });
    } else if (vi.elemType === DataType.INT64 || vi.elemType === DataType.INT32) {
      const id = ctx.newTensor({ name: vi.name, kind: "input", dtype: "i32", shape: dims, scale: 1 });
      ctx.bind(vi.name, { id, scale: 1 });
      inputs.push({ id, name: vi.name, scale: 1, dtype: "i32", dims });
    } else
      throw new OnnxUnsupportedError(
        dataTypeName(vi.elemType),
        `graph input ${vi.name} has unsupported type ${dataTypeName(vi.elemType)}`,
      );
  }
  return inputs;
}
