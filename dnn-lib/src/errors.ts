import { OpmlError } from "../../common/errors.ts";

/** An operand's length, a shape parameter or a quantization parameter is not what the op allows. */
export class DnnShapeError extends OpmlError {
  override name = "DnnShapeError";
}

/** A node names an op code that dnn-lib does not define. */
export class DnnUnsupportedOpError extends OpmlError {
  override name = "DnnUnsupportedOpError";
}

/** Building or loading the AssemblyScript kernels failed, or a build broke the VM subset. */
export class DnnBuildError extends OpmlError {
  override name = "DnnBuildError";
}

/** A kernel trapped (WebAssembly `unreachable` or out-of-bounds) while running a node. */
export class DnnKernelTrapError extends OpmlError {
  override name = "DnnKernelTrapError";
}
