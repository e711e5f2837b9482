import { OpmlError } from "../../../common/errors.ts";

/** The input given to a model does not have the model's input size. */
export class ModelInputError extends OpmlError {
  override name = "ModelInputError";
}

/**
 * A node's operands, output slot and scratch do not fit one kernel instance's linear memory (or a
 * cache's instance has no room left for a node that writes it), or an instance budget is unusable.
 */
export class InstanceMemoryError extends OpmlError {
  override name = "InstanceMemoryError";
}

/** onnxruntime's integer GEMM could not be loaded or run (or is not the release checked exact). */
export class OrtGemmError extends OpmlError {
  override name = "OrtGemmError";
}
