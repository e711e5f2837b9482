/**
 * A pino logger (daemon/logger.ts) whose JSON lines are collected, parsed and raw, for tests to
 * assert on; `destination` collects the lines of any other logger written to it too.
 */
import { Writable } from "node:stream";
import { createLogger, type LoggerOptions } from "../logger.ts";

export function captureLogs(options: Omit<LoggerOptions, "destination"> = {}) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n").filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { lines, raw, destination, logger: createLogger({ ...options, destination }) };
}
