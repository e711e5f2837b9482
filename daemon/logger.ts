/**
 * pino loggers for the daemons: JSON lines by default, pretty on request; children carry
 * `requestId` / `gameId` so every line about one request or game can be filtered. Keys are
 * redacted by path should one ever reach a log call, and a logged viem error loses its ABI. Lines are
 * bounded: a string field longer than 1 KiB is cut.
 */
import { pino, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  /** Where JSON lines go (default stdout); tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
  /** Fields on every line (role, mode). */
  base?: Record<string, unknown>;
}

export const REDACT_PATHS = ["privateKey", "*.privateKey", "key", "*.key", "account.privateKey"];

/** The longest string a log line carries in any field (a model output, an error's stack): longer ones are cut. */
export const MAX_FIELD_CHARS = 1024;

/** `v` with strings longer than {@link MAX_FIELD_CHARS} cut (marked with the length cut), two levels deep. */
function bounded(v: unknown, depth = 0): unknown {
  if (typeof v === "string")
    return v.length > MAX_FIELD_CHARS ? `${v.slice(0, MAX_FIELD_CHARS)}…(${v.length - MAX_FIELD_CHARS} more)` : v;
  // An Error is left whole for its serializer (which bounds what it makes of it).
  if (depth >= 2 || v === null || typeof v !== "object" || v instanceof Error) return v;
  if (Array.isArray(v)) return v.slice(0, 64).map((x) => bounded(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = bounded(x, depth + 1);
  return out;
}

/**
 * pino's error serializer, less the `abi` a viem contract error carries (the contract's whole ABI,
 * on every failed call): no log line holds one, whoever logs the error. Its message and stack are
 * bounded like every other field.
 */
function serializeError(err: Error): unknown {
  const out = pino.stdSerializers.err(err) as unknown;
  if (out !== null && typeof out === "object" && "abi" in out) delete (out as { abi?: unknown }).abi;
  return bounded(out);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? "info",
    base: opts.base ?? {},
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
    // Bounded lines: no field holds more than MAX_FIELD_CHARS characters (serializers run after this).
    formatters: { log: (obj: Record<string, unknown>) => bounded(obj) as Record<string, unknown> },
  };
  if (opts.pretty) {
    // In-process and synchronous (no worker thread), so the redaction above runs before the
    // pretty printer sees a line, and a test can read what it prints.
    const destination = opts.destination ?? process.stdout;
    const colorize = (destination as { isTTY?: boolean }).isTTY === true;
    return pino(options, PinoPretty({ colorize, destination, sync: true }));
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** JSON-safe: bigints as decimal strings. */
export function j(v: bigint | number | undefined): string | undefined {
  return v === undefined ? undefined : v.toString();
}
