import { OpmlError } from "../../../common/errors.ts";

/** The input given to a model does not have the model's input size. */
export class ModelInputError extends OpmlError {
  override name = "ModelInputError";
}
