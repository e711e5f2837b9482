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

/** Marks opML's errors, so that `instanceof OpmlError` holds across copies of this module. */
const OPML_ERROR = Symbol.for("opml.OpmlError");

export class OpmlError extends BaseError {
  override name = "OpmlError";

  /**
   * `x instanceof OpmlError` by a mark on the prototype rather than by identity: the CLI's bundle
   * (build/opml.mjs) and the TypeScript sources it loads for heavy commands each hold a copy of
   * this class, and an error thrown by one must read as opML's own in the other. A subclass keeps
   * the usual prototype-chain check.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (this !== OpmlError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[OPML_ERROR] === true;
  }

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

Object.defineProperty(OpmlError.prototype, OPML_ERROR, { value: true });
