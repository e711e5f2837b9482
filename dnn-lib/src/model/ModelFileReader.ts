/**
 * Reads a model file (docs/model-format.md) from disk without holding it in one buffer, for models
 * whose weights exceed what one buffer (or one wasm32 memory) holds. `open` reads the header and
 * the graph, checks them as `decodeModel` does and gives the model with zero-filled weights of the
 * right sizes (allocated lazily by the OS: untouched, they take no memory); `readWeights` then
 * reads each weight straight into the buffer the caller names (by default the model's own, or a
 * runner's linear memory) while it hashes the whole file, and refuses a file whose checksum does
 * not match. `readModelFile` does both.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { keccak256Stream } from "../../../commitment/hash.ts";
import { ModelFormatError } from "./errors.ts";
import type { Model } from "./Model.ts";
import {
  CHECKSUM_BYTES,
  MODEL_MAGIC,
  Reader,
  Section,
  checkSection,
  checkVersion,
  readCaches,
  readMeta,
  readNodes,
  renumberCaches,
} from "./modelFile.ts";
import { validateModel } from "./validateModel.ts";

/** One weight's bytes in the file. */
interface WeightRange {
  offset: number;
  length: number;
}

/** Largest single read (readSync takes at most 2^31 − 1 bytes). */
const READ_CHUNK = 1 << 30;
/** Buffer for the bytes between weights while hashing. */
const GAP_CHUNK = 1 << 24;

export class ModelFileReader {
  /** The file's checksum (its last 32 bytes), once `readWeights` has checked it. */
  checksum?: Uint8Array;

  private constructor(
    private readonly fd: number,
    /** The file's length in bytes. */
    readonly length: number,
    /** The graph, with zero-filled weights until `readWeights` fills them. */
    readonly model: Model,
    private readonly ranges: WeightRange[],
    /** The file's format version (1 or 2; a version-1 file's cache slots are renumbered in `model`). */
    readonly version: number,
  ) {}

  static open(path: string): ModelFileReader {
    const fd = openSync(path, "r");
    try {
      const length = fstatSync(fd).size;
      const { model, ranges, version } = parse(fd, length);
      return new ModelFileReader(fd, length, model, ranges, version);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Reads every weight, in file order, into `into(w)` (which must have the weight's length), hashing
   * the whole file as it goes; throws ModelFormatError if the checksum does not match.
   */
  async readWeights(into: (w: number) => Uint8Array = (w) => this.model.weights[w]!): Promise<void> {
    const sum = await keccak256Stream();
    const bodyEnd = this.length - CHECKSUM_BYTES;
    const gap = new Uint8Array(Math.min(GAP_CHUNK, Math.max(1, bodyEnd)));
    let pos = 0;
    const hashGap = (end: number) => {
      while (pos < end) {
        const n = Math.min(gap.length, end - pos);
        readFully(this.fd, gap.subarray(0, n), pos);
        sum.update(gap.subarray(0, n));
        pos += n;
      }
    };
    this.ranges.forEach(({ offset, length }, w) => {
      hashGap(offset);
      const dest = into(w);
      if (dest.length !== length)
        throw new RangeError(`weight ${w} is ${length} bytes; the buffer given for it has ${dest.length}`);
      readFully(this.fd, dest, offset);
      sum.update(dest);
      pos = offset + length;
    });
    hashGap(bodyEnd);
    const stored = new Uint8Array(CHECKSUM_BYTES);
    readFully(this.fd, stored, bodyEnd);
    const actual = sum.digest();
    if (actual.some((b, i) => stored[i] !== b))
      throw new ModelFormatError("model file checksum mismatch: the file is corrupt", {
        details: "keccak256 of the body differs from the last 32 bytes",
      });
    this.checksum = stored;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The model in the file at `path`, its weights in buffers of their own. */
export async function readModelFile(path: string): Promise<Model> {
  const file = ModelFileReader.open(path);
  try {
    await file.readWeights();
    return file.model;
  } finally {
    file.close();
  }
}

/** Reads `dest.length` bytes at `offset`; a short read means the file ended early. */
function readFully(fd: number, dest: Uint8Array, offset: number): void {
  for (let done = 0; done < dest.length;) {
    const n = readSync(fd, dest, done, Math.min(READ_CHUNK, dest.length - done), offset + done);
    if (n === 0)
      throw new ModelFormatError("model file: the file is truncated", {
        details: `needs ${dest.length - done} more bytes at offset ${offset + done}`,
      });
    done += n;
  }
}

function parse(fd: number, length: number): { model: Model; ranges: WeightRange[]; version: number } {
  const magic = new TextEncoder().encode(MODEL_MAGIC);
  const head = new Uint8Array(16);
  const got = readSync(fd, head, 0, 16, 0);
  if (got < magic.length || magic.some((b, i) => head[i] !== b))
    throw new ModelFormatError("not an opML model file", { details: `the first 8 bytes are not "${MODEL_MAGIC}"` });
  const bodyEnd = length - CHECKSUM_BYTES;
  // Reads `n` bytes at `at` of the section table, as the header (truncated if past the body).
  const header = (at: number, n: number) => {
    if (at + n > bodyEnd)
      throw new ModelFormatError("model file: the header is truncated", {
        details: `needs ${n} bytes at offset ${at}, the section ends at ${Math.max(8, bodyEnd)}`,
      });
    const b = new Uint8Array(n);
    readFully(fd, b, at);
    return new Reader(b, 0, n, "the header");
  };
  const top = header(8, 8);
  const version = top.u32();
  checkVersion(version);
  const count = top.u32();
  const sections = new Map<number, [number, number]>();
  const weightSections: [number, number][] = [];
  let last: number | undefined;
  let at = 16;
  for (let k = 0; k < count; k++) {
    const h = header(at, 8);
    const [id, len] = [h.u32(), h.u32()];
    const start = at + 8;
    const end = start + len;
    if (end + ((4 - (len % 4)) % 4) > bodyEnd) header(start, len + ((4 - (len % 4)) % 4));
    checkSection(id, sections, weightSections.length, last);
    if (id === Section.weights) weightSections.push([start, end]);
    else sections.set(id, [start, end]);
    last = id;
    at = end + ((4 - (len % 4)) % 4);
  }
  if (at !== bodyEnd) throw new ModelFormatError(`model file: the header has ${bodyEnd - at} trailing bytes`);
  const section = (id: number, what: string) => {
    const r = sections.get(id);
    if (!r) throw new ModelFormatError(`model file has no ${what} section`);
    const b = new Uint8Array(r[1] - r[0]);
    readFully(fd, b, r[0]);
    return new Reader(b, 0, b.length, `the ${what} section`);
  };
  if (weightSections.length === 0) throw new ModelFormatError("model file has no weights section");
  const ranges: WeightRange[] = [];
  for (const [start, end] of weightSections) {
    const truncated = (p: number) =>
      new ModelFormatError("model file: a weights section is truncated", {
        details: `needs 4 bytes at offset ${p}, the section ends at ${end}`,
      });
    const u32 = (p: number) => {
      if (p + 4 > end) throw truncated(p);
      const b = new Uint8Array(4);
      readFully(fd, b, p);
      return new DataView(b.buffer).getUint32(0, true);
    };
    let p = start + 4;
    for (let n = u32(start); n > 0; n--) {
      const len = u32(p);
      const next = p + 4 + len + ((4 - (len % 4)) % 4);
      if (next > end)
        throw new ModelFormatError("model file: a weights section is truncated", {
          details: `needs ${len} bytes at offset ${p + 4}, the section ends at ${end}`,
        });
      ranges.push({ offset: p + 4, length: len });
      p = next;
    }
    if (p !== end) throw new ModelFormatError(`model file: a weights section has ${end - p} trailing bytes`);
  }
  const model: Model = {
    ...readMeta(section(Section.meta, "meta")),
    nodes: readNodes(section(Section.nodes, "nodes")),
    weights: ranges.map((r) => new Uint8Array(r.length)),
  };
  if (sections.has(Section.caches)) readCaches(section(Section.caches, "caches"), model);
  renumberCaches(model, version);
  validateModel(model);
  return { model, ranges, version };
}
