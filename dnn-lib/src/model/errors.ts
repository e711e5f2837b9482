import { OpmlError } from "../../../common/errors.ts";

/** The model file is truncated, its checksum does not match, or its structure is malformed. */
export class ModelFormatError extends OpmlError {
  override name = "ModelFormatError";
}

/** The model file uses a version, section or op this loader does not support. */
export class ModelUnsupportedError extends OpmlError {
  override name = "ModelUnsupportedError";
}

/** The graph is inconsistent: a missing slot, a read before write, an operand of the wrong length. */
export class ModelGraphError extends OpmlError {
  override name = "ModelGraphError";
}
