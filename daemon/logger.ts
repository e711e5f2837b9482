/**
 * pino loggers for the daemons: JSON lines by default, pretty on request; children carry
 * `requestId` / `gameId` so every line about one request or game can be filtered. Keys are
 * redacted by path should one ever reach a log call.
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

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? "info",
    base: opts.base ?? {},
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.err },
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
