/**
 * The daemon's data directory as a rebuildable cache. Every file is a checked envelope
 * (cacheFile.ts); {@link DataDir.load} validates it, decodes it and runs the caller's own check
 * (commitment, input, final state), and on any failure logs what was wrong, deletes the file and
 * answers `undefined` so that the caller recomputes. Nothing read here is trusted without those
 * checks, and nothing here is fatal: deleting the whole directory only costs time.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { OpmlError } from "../common/errors.ts";
import { CacheFileError, readCacheFile, writeCacheFile } from "./cacheFile.ts";
import type { Logger } from "./logger.ts";

/** Thrown by a decoder or validator: the file was whole but does not hold what it should. */
export class CacheContentError extends OpmlError {
  override name = "CacheContentError";
}

export class DataDir {
  constructor(
    readonly root: string,
    private readonly logger: Logger,
  ) {}

  path(rel: string): string {
    return join(this.root, rel);
  }

  /**
   * The decoded content of `rel`, or `undefined` when it is missing, corrupt, of another format
   * version, stale (another key), or rejected by `decode` (which throws on bad content). A file that
   * exists but fails is logged (warn) and removed.
   */
  load<T>(rel: string, kind: string, key: string, decode: (payload: Uint8Array) => T): T | undefined {
    const file = this.path(rel);
    try {
      return decode(readCacheFile(file, kind, key));
    } catch (err) {
      if (err instanceof CacheFileError && err.problem === "missing") return undefined;
      const problem = err instanceof CacheFileError ? err.problem : "invalid content";
      this.logger.warn({ file, kind, problem, err }, "cache file rejected; rebuilding it");
      rmSync(file, { force: true });
      return undefined;
    }
  }

  /** Writes `rel` atomically; a failure to write is logged, never thrown (the cache is optional). */
  save(rel: string, kind: string, key: string, payload: Uint8Array): boolean {
    try {
      writeCacheFile(this.path(rel), kind, key, payload);
      return true;
    } catch (err) {
      this.logger.warn({ file: this.path(rel), kind, err }, "could not write a cache file");
      return false;
    }
  }

  remove(rel: string): void {
    rmSync(this.path(rel), { force: true });
  }
}
