/**
 * pino loggers for the daemons: JSON lines by default, pretty on request; children carry
 * `requestId` / `gameId` so every line about one request or game can be filtered. Keys are
 * redacted by path should one ever reach a log call, and a logged viem error loses its ABI.
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

/**
 * pino's error serializer, less the `abi` a viem contract error carries (the contract's whole ABI,
 * on every failed call): no log line holds one, whoever logs the error.
 */
function serializeError(err: Error): unknown {
  const out = pino.stdSerializers.err(err) as unknown;
  if (out !== null && typeof out === "object" && "abi" in out) delete (out as { abi?: unknown }).abi;
  return out;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? "info",
    base: opts.base ?? {},
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
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
