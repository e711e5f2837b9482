/**
 * One daemon per data directory. Two daemons on one directory would interleave their journals
 * and event cursors and, with one key, race each other's transactions; the second one to start is
 * refused. The lock is the file `daemon.lock` (created exclusively) holding the owner's pid and
 * role. A lock whose process is gone (kill -9, a crash) is taken over: only a live process holds
 * the directory.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { OpmlError } from "../common/errors.ts";

export const LOCK_FILE = "daemon.lock";

/** Another live process holds the data directory. */
export class DataDirLockedError extends OpmlError {
  override name = "DataDirLockedError";
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly role: string,
  ) {
    super(`the data directory ${dir} is in use by another daemon (${role}, pid ${pid})`, {
      details: `give this daemon its own --data-dir; each submitter and challenger needs one (the lock is ${join(dir, LOCK_FILE)})`,
    });
  }
}

/** The data directory cannot be created or written (a file in its place, no permission...). */
export class DataDirUnusableError extends OpmlError {
  override name = "DataDirUnusableError";
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException).code ?? "error";
    super(`the data directory ${dir} cannot be used (${code})`, {
      details: "give --data-dir a directory this user can create and write",
      cause,
    });
  }
}

interface Holder {
  pid: number;
  role: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>;
    return typeof h.pid === "number" && Number.isInteger(h.pid) && h.pid > 0
      ? { pid: h.pid, role: typeof h.role === "string" ? h.role : "unknown" }
      : undefined;
  } catch {
    return undefined; // missing, or torn by a kill while being written: nobody holds it
  }
}

/** Whether process `pid` is alive (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock if this process still holds it; safe to call twice. */
  release(): void;
}

/**
 * Takes the data directory `dir` for this process (creating it), or throws
 * {@link DataDirLockedError} naming the live process that holds it. The lock is released by
 * `release()` and, failing that, when the process exits.
 */
export function lockDataDir(dir: string, role: string): DataDirLock {
  const file = join(dir, LOCK_FILE);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DataDirUnusableError(dir, err);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, role }));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new DataDirUnusableError(dir, err);
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid))
        throw new DataDirLockedError(dir, holder.pid, holder.role);
      // Two processes taking over the same stale lock: the one that lost sees it taken.
      if (attempt > 0) throw new DataDirLockedError(dir, holder?.pid ?? 0, holder?.role ?? "another daemon");
      rmSync(file, { force: true }); // left by a dead process (or by this one): take it over
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.on("exit", release);
  return { file, release };
}
