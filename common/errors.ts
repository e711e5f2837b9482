/**
 * The base of every error opML throws, in the shape of viem's `BaseError`:
 * a short message, optional details, an optional cause, and a stable `name`
 * that callers can switch on. The full message joins the three.
 */
export interface OpmlErrorOptions {
  /** More context: what was compared, which input, where. */
  details?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

export class OpmlError extends Error {
  override name = "OpmlError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, options: OpmlErrorOptions = {}) {
    const lines = [shortMessage];
    if (options.details) lines.push(`Details: ${options.details}`);
    if (options.cause instanceof Error) lines.push(`Cause: ${options.cause.message}`);
    super(lines.join("\n"), options.cause !== undefined ? { cause: options.cause } : undefined);
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}
