/** The typed errors of loading a model by reference (modelSource.ts). */
import { OpmlError } from "../../common/errors.ts";

/** The model argument is neither an existing file nor a demo model name. */
export class ModelNotFoundError extends OpmlError {
  override name = "ModelNotFoundError";
}

/** Calibration or evaluation inputs are missing, unreadable or do not fit the model's inputs. */
export class CalibrationError extends OpmlError {
  override name = "CalibrationError";
}
