import { OpmlError } from "../../common/errors.ts";
import type { KernelError } from "./bindings.ts";

/** The kernel component refused a call with a dnn.wit `kernel-error`; `error` is that variant. */
export class DnnComponentError extends OpmlError {
  override name = "DnnComponentError";
  constructor(
    shortMessage: string,
    readonly error: KernelError,
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
  }
}
