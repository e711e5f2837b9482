/**
 * The op handlers by ONNX op type (default domain). Adding an op is adding a handler file in ops/
 * (an OpHandler, OpHandler.ts) and its line here; a node whose op type is not here is refused
 * naming it. Subgraphs lowered as one unit are fusions (fusions.ts), tried before these.
 */
import type { OpHandler } from "./OpHandler.ts";
import { activation, ACTIVATION_OPS } from "./ops/activation.ts";
import { cast } from "./ops/cast.ts";
import { batchNormalization } from "./ops/batchNormalization.ts";
import { expand } from "./ops/expand.ts";
import { globalPool } from "./ops/globalPool.ts";
import { neg } from "./ops/neg.ts";
import { reduce } from "./ops/reduce.ts";
import { sub } from "./ops/sub.ts";
import { add } from "./ops/add.ts";
import { alias } from "./ops/alias.ts";
import { concat } from "./ops/concat.ts";
import { conv } from "./ops/conv.ts";
import { gather } from "./ops/gather.ts";
import { gemm } from "./ops/gemm.ts";
import { layerNormalization } from "./ops/layerNormalization.ts";
import { matMul } from "./ops/matMul.ts";
import { mulDiv } from "./ops/mulDiv.ts";
import { pool } from "./ops/pool.ts";
import { relu } from "./ops/relu.ts";
import { slice } from "./ops/slice.ts";
import { split } from "./ops/split.ts";
import { softmax } from "./ops/softmax.ts";
import { transpose } from "./ops/transpose.ts";

export const OP_HANDLERS: ReadonlyMap<string, OpHandler> = new Map([
  ["Gemm", gemm],
  ["MatMul", matMul],
  ["Conv", conv],
  ["Relu", relu],
  ["MaxPool", pool],
  ["AveragePool", pool],
  ["Softmax", softmax],
  ["LayerNormalization", layerNormalization],
  ["Gather", gather],
  ["Add", add],
  ["Mul", mulDiv],
  ["Div", mulDiv],
  ["Concat", concat],
  ["Slice", slice],
  ["Split", split],
  ["Transpose", transpose],
  ["Reshape", alias],
  ["Flatten", alias],
  ["Squeeze", alias],
  ["Unsqueeze", alias],
  ["Identity", alias],
  ["Cast", cast],
  ["Sub", sub],
  ["Neg", neg],
  ["Expand", expand],
  ["ReduceMean", reduce],
  ["ReduceSum", reduce],
  ["BatchNormalization", batchNormalization],
  ["GlobalAveragePool", globalPool],
  ["GlobalMaxPool", globalPool],
  ...ACTIVATION_OPS.map((op): [string, OpHandler] => [op, activation]),
]);
