import { mkdirSync, openSync, closeSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { OpmlError } from "./errors.ts";

export class FileLockTimeoutError extends OpmlError {
  override name = "FileLockTimeoutError";
  constructor(path: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for the lock ${path}`, {
      details: "another process holds it; if none does, delete the file",
    });
  }
}

export interface FileLockOptions {
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
  /** A lock file older than this is taken to be left by a dead process and removed (default 300 s). */
  staleMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock between processes: the file at `path`, created with
 * O_EXCL and removed afterwards. Waiters poll every 50 ms.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { timeoutMs = 120_000, staleMs = 300_000 } = options;
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      try {
        if (Date.now() - statSync(path).mtimeMs > staleMs) rmSync(path, { force: true });
      } catch {
        // removed meanwhile: try again
      }
      if (Date.now() > deadline) throw new FileLockTimeoutError(path, timeoutMs);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
