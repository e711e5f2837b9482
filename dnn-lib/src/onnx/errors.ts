import { OpmlError } from "../../../common/errors.ts";

/** An ONNX file is not a well-formed ModelProto: truncated, corrupt, or missing a required field. */
export class OnnxFormatError extends OpmlError {
  override name = "OnnxFormatError";
}

/** The graph uses an operator, attribute value or data type the importer does not handle; the message names it. */
export class OnnxUnsupportedError extends OpmlError {
  override name = "OnnxUnsupportedError";
  /** The ONNX op type (or data type / attribute) that is not supported. */
  readonly what: string;
  constructor(what: string, shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, options);
    this.what = what;
  }
}

/** Running a model (onnxruntime or the quantized graph) failed: wrong input shape, missing tensor. */
export class OnnxRunError extends OpmlError {
  override name = "OnnxRunError";
}
