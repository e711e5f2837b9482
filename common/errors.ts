/**
 * The base of every error opML throws: viem's `BaseError` (so `instanceof BaseError`, `walk` and
 * `shortMessage` work as on viem's own errors), with a short message, optional details, an
 * optional cause, and a stable `name` that callers can switch on. The full message joins the
 * three, without viem's docs and version lines.
 */
import { BaseError } from "viem";

export interface OpmlErrorOptions {
  /** More context: what was compared, which input, where. */
  details?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

export class OpmlError extends BaseError {
  override name = "OpmlError";

  constructor(shortMessage: string, options: OpmlErrorOptions = {}) {
    const { details, cause } = options;
    super(shortMessage, { details, cause: cause instanceof Error ? cause : undefined });
    const lines = [shortMessage];
    if (details) lines.push(`Details: ${details}`);
    if (cause instanceof Error) lines.push(`Cause: ${cause.message}`);
    this.message = lines.join("\n");
    // viem takes a cause's message for the details; ours stay what the thrower said.
    this.details = details ?? "";
    if (cause !== undefined && !(cause instanceof Error)) this.cause = cause;
  }
}
