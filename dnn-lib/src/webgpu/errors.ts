import { OpmlError } from "../../../common/errors.ts";

/** No WebGPU adapter could be opened (no GPU, and no Mesa EGL/GLES for the OpenGL ES fallback). */
export class WebGpuUnavailableError extends OpmlError {
  override name = "WebGpuUnavailableError";
}

/** The WebGPU child process died (a Dawn abort) on every try of one node. */
export class WebGpuCrashError extends OpmlError {
  override name = "WebGpuCrashError";
}

/** Dawn refused a shader or a command (a validation error), with its message in the details. */
export class WebGpuError extends OpmlError {
  override name = "WebGpuError";
}
