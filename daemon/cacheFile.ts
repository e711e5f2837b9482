/**
 * One file of the daemon's data directory: a versioned, checksummed envelope around a payload,
 * written atomically (temporary file + rename, so a kill leaves the old file or the new one, never
 * half of one). Reading checks the magic, the format version, what the file claims to hold (its
 * kind and content key) and the payload's SHA-256; anything else is a {@link CacheFileError}.
 *
 * Layout: `OPMLCACHE\n`, a u32 (big-endian) header length, the header as JSON
 * `{ version, kind, key, length, sha256 }`, then the payload bytes.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { OpmlError } from "../common/errors.ts";

/** Bumped whenever a payload's encoding changes: older files are then rebuilt, never misread. */
export const CACHE_FORMAT_VERSION = 1;

const MAGIC = new TextEncoder().encode("OPMLCACHE\n");

export type CacheFileProblem = "missing" | "corrupt" | "version" | "stale";

export class CacheFileError extends OpmlError {
  override name = "CacheFileError";
  readonly problem: CacheFileProblem;
  readonly path: string;
  constructor(path: string, problem: CacheFileProblem, details?: string, cause?: unknown) {
    super(`cache file ${path} is ${problem === "version" ? "of another format version" : problem}`, {
      details,
      cause,
    });
    this.problem = problem;
    this.path = path;
  }
}

interface Header {
  version: number;
  kind: string;
  key: string;
  length: number;
  sha256: string;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Writes `data` to `path` atomically: a unique temporary file in the same folder, fsync, rename. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fd = openSync(tmp, "w");
  try {
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Wraps `payload` in the envelope for (`kind`, `key`) and writes it atomically. */
export function writeCacheFile(path: string, kind: string, key: string, payload: Uint8Array): void {
  const header: Header = { version: CACHE_FORMAT_VERSION, kind, key, length: payload.length, sha256: sha256(payload) };
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + h.length + payload.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, h.length, false);
  out.set(h, MAGIC.length + 4);
  out.set(payload, MAGIC.length + 4 + h.length);
  writeFileAtomic(path, out);
}

/**
 * The payload of the cache file at `path`, after checking that it is whole, of this format
 * version, and holds `kind` for `key`. Throws {@link CacheFileError} (problem `missing`, `corrupt`,
 * `version` or `stale`) otherwise.
 */
export function readCacheFile(path: string, kind: string, key: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new CacheFileError(path, missing ? "missing" : "corrupt", missing ? undefined : "unreadable", err);
  }
  const corrupt = (why: string) => new CacheFileError(path, "corrupt", why);
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt("no cache-file magic");
  const hLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, false);
  const start = MAGIC.length + 4 + hLen;
  if (start > bytes.length) throw corrupt(`header length ${hLen} runs past the end`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, start))) as Header;
  } catch (err) {
    throw new CacheFileError(path, "corrupt", "header is not JSON", err);
  }
  if (header.version !== CACHE_FORMAT_VERSION) {
    throw new CacheFileError(path, "version", `version ${header.version}, this build reads ${CACHE_FORMAT_VERSION}`);
  }
  if (header.kind !== kind || header.key !== key) {
    throw new CacheFileError(path, "stale", `holds ${header.kind} for ${header.key}, wanted ${kind} for ${key}`);
  }
  const payload = bytes.subarray(start);
  if (payload.length !== header.length)
    throw corrupt(`payload is ${payload.length} bytes, header says ${header.length}`);
  if (sha256(payload) !== header.sha256) throw corrupt("payload checksum mismatch");
  return payload;
}
