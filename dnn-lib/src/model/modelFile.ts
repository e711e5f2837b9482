/**
 * The model file (docs/model-format.md): a versioned, checksummed binary
 * container of the graph and the weights. `encodeModel` writes it (same model →
 * same bytes); `decodeModel` reads and checks it, with a typed error for a
 * truncated, corrupt or unsupported file, then validates the graph.
 */
import { keccak256 } from "../../../commitment/hash.ts";
import { ModelFormatError, ModelUnsupportedError } from "./errors.ts";
import { cacheSlot, type GraphNode, type Model } from "./Model.ts";
import { validateModel } from "./validateModel.ts";
import { SlotKind, type OperandSlot } from "../nodeInput.ts";

export const MODEL_MAGIC = "OPMLMODL";
/** Version 2: cache `c` is activation slot `2^SLOT_DEPTH − 1 − c` of a depth-24 slot tree. */
export const MODEL_VERSION = 2;
/** Version 1 numbered cache `c` as activation slot `2^20 − 1 − c` (depth-20 slot trees); still read. */
const V1_SLOT_COUNT = 2 ** 20;
export const Section = { meta: 1, nodes: 2, weights: 3, caches: 4 } as const;
export const CHECKSUM_BYTES = 32;

class Writer {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array): void {
    this.ref(b.slice());
  }
  /** Appends `b` itself, not a copy (the weights: the caller keeps them unchanged until written). */
  ref(b: Uint8Array): void {
    this.raw(b);
    const pad = (4 - (b.length % 4)) % 4;
    if (pad) this.raw(new Uint8Array(pad));
  }
  /** Appends `b` as it is (a chunk of another writer, already padded). */
  raw(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.bytes(b);
  }
  i32(v: number): void {
    this.u32(v >>> 0);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.bytes(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) out.set(c, (at += c.length) - c.length);
    return out;
  }
}

export class Reader {
  private at: number;
  get offset(): number {
    return this.at;
  }
  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly what: string,
  ) {
    this.at = start;
  }
  private take(n: number): number {
    if (this.at + n > this.end)
      throw new ModelFormatError(`model file: ${this.what} is truncated`, {
        details: `needs ${n} bytes at offset ${this.at}, the section ends at ${this.end}`,
      });
    const at = this.at;
    this.at += n;
    return at;
  }
  u32(): number {
    return new DataView(this.buf.buffer, this.buf.byteOffset).getUint32(this.take(4), true);
  }
  i32(): number {
    return this.u32() | 0;
  }
  f64(): number {
    return new DataView(this.buf.buffer, this.buf.byteOffset).getFloat64(this.take(8), true);
  }
  bytes(n: number): Uint8Array {
    const at = this.take(n);
    this.take((4 - (n % 4)) % 4);
    return this.buf.slice(at, at + n);
  }
  done(): void {
    if (this.at !== this.end)
      throw new ModelFormatError(`model file: ${this.what} has ${this.end - this.at} trailing bytes`);
  }
}

/** The most payload bytes one section holds (its length is a u32, and payloads are padded to 4). */
export const MAX_SECTION_BYTES = 2 ** 32 - 4;

/**
 * The file's body — everything before the checksum — as chunks in order, the weights among them
 * by reference. Weights go into as many weights sections as `maxSection` requires (one for any
 * model under 4 GiB of weights, so such a file's bytes do not depend on it).
 */
export function modelFileBody(model: Model, maxSection = MAX_SECTION_BYTES): Uint8Array[] {
  validateModel(model);
  const meta = new Writer();
  const name = new TextEncoder().encode(model.name);
  meta.u32(name.length);
  meta.bytes(name);
  meta.u32(model.inputLength);
  meta.u32(0);
  meta.f64(model.inputScale);
  meta.f64(model.outputScale);
  const nodes = new Writer();
  nodes.u32(model.nodes.length);
  for (const n of model.nodes) {
    nodes.u32(n.op);
    nodes.u32(n.inputs.length);
    nodes.u32(n.params.length);
    for (const s of n.inputs) {
      nodes.u32(s.kind);
      nodes.u32(s.slot);
    }
    for (const p of n.params) nodes.i32(p);
  }
  const sections: [number, Writer][] = [
    [Section.meta, meta],
    [Section.nodes, nodes],
    ...weightSections(model.weights, maxSection).map((w): [number, Writer] => [Section.weights, w]),
  ];
  // Only a model with caches has the caches section: every other model keeps its bytes.
  if (model.caches?.length) {
    const caches = new Writer();
    caches.u32(model.caches.length);
    for (const n of model.caches) caches.u32(n);
    const writes = model.nodes.flatMap((n, i) => (n.into ? [[i, n.into.cache, n.into.offset] as const] : []));
    caches.u32(writes.length);
    for (const [i, c, offset] of writes) {
      caches.u32(i);
      caches.u32(c);
      caches.u32(offset);
    }
    sections.push([Section.caches, caches]);
  }
  const file = new Writer();
  file.bytes(new TextEncoder().encode(MODEL_MAGIC));
  file.u32(MODEL_VERSION);
  file.u32(sections.length);
  for (const [id, w] of sections) {
    file.u32(id);
    file.u32(w.length);
    for (const c of w.chunks) file.raw(c);
  }
  return file.chunks;
}

/** The weights in order, packed into sections of at most `maxSection` payload bytes each. */
function weightSections(weights: readonly Uint8Array[], maxSection: number): Writer[] {
  const padded = (n: number) => 4 + Math.ceil(n / 4) * 4;
  const groups: Uint8Array[][] = [[]];
  let size = 4;
  for (const w of weights) {
    if (4 + padded(w.length) > maxSection)
      throw new ModelUnsupportedError("a weight is too large for a model file section", {
        details: `${w.length} bytes; a section holds at most ${maxSection}`,
      });
    if (size + padded(w.length) > maxSection) [size] = [4, groups.push([])];
    groups[groups.length - 1]!.push(w);
    size += padded(w.length);
  }
  return groups.map((group) => {
    const ws = new Writer();
    ws.u32(group.length);
    for (const w of group) {
      ws.u32(w.length);
      ws.ref(w);
    }
    return ws;
  });
}

export function encodeModel(model: Model, maxSection = MAX_SECTION_BYTES): Uint8Array {
  const body = modelFileBody(model, maxSection);
  const length = body.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(length + CHECKSUM_BYTES);
  let at = 0;
  for (const c of body) out.set(c, (at += c.length) - c.length);
  out.set(keccak256(out.subarray(0, length)), length);
  return out;
}

/**
 * Checks one section header: a known id, and no section twice but weights, whose sections follow
 * one another (a model whose weights exceed one section's u32 length).
 */
export function checkSection(
  id: number,
  seen: ReadonlyMap<number, unknown>,
  weightSections: number,
  last?: number,
): void {
  if (id !== Section.meta && id !== Section.nodes && id !== Section.weights && id !== Section.caches)
    throw new ModelUnsupportedError("unknown model file section", { details: `section id ${id}` });
  if (seen.has(id)) throw new ModelFormatError("duplicate model file section", { details: `section id ${id}` });
  if (id === Section.weights && weightSections > 0 && last !== Section.weights)
    throw new ModelFormatError("weights sections must follow one another", { details: `section id ${id}` });
}

/** Refuses a version this loader does not read (it reads 1 and 2). */
export function checkVersion(version: number): void {
  if (version !== MODEL_VERSION && version !== 1)
    throw new ModelUnsupportedError("unsupported model file version", {
      details: `version ${version}, this loader reads 1 and ${MODEL_VERSION}`,
    });
}

/**
 * A version-1 file's cache operands, renumbered to this version's cache slots: there cache `c` was
 * slot `2^20 − 1 − c`, which no node's slot reached, so the renumbering is unambiguous.
 */
export function renumberCaches(model: Model, version: number): void {
  const count = model.caches?.length ?? 0;
  if (version !== 1 || count === 0) return;
  for (const node of model.nodes)
    for (const operand of node.inputs) {
      const c = V1_SLOT_COUNT - 1 - operand.slot;
      if (operand.kind === SlotKind.activation && c >= 0 && c < count) operand.slot = cacheSlot(c);
    }
}

export function decodeModel(file: Uint8Array): Model {
  const magic = new TextEncoder().encode(MODEL_MAGIC);
  if (file.length < magic.length || magic.some((b, i) => file[i] !== b))
    throw new ModelFormatError("not an opML model file", { details: `the first 8 bytes are not "${MODEL_MAGIC}"` });
  const bodyEnd = file.length - CHECKSUM_BYTES;
  const head = new Reader(file, 8, Math.max(8, bodyEnd), "the header");
  const version = head.u32();
  checkVersion(version);
  const count = head.u32();
  const sections = new Map<number, [number, number]>();
  const weightRanges: [number, number][] = [];
  let last: number | undefined;
  for (let k = 0; k < count; k++) {
    const id = head.u32();
    const len = head.u32();
    const start = head.offset;
    head.bytes(len);
    checkSection(id, sections, weightRanges.length, last);
    if (id === Section.weights) weightRanges.push([start, start + len]);
    else sections.set(id, [start, start + len]);
    last = id;
  }
  head.done();
  const sum = keccak256(file.subarray(0, bodyEnd));
  if (sum.some((b, i) => file[bodyEnd + i] !== b))
    throw new ModelFormatError("model file checksum mismatch: the file is corrupt", {
      details: "keccak256 of the body differs from the last 32 bytes",
    });
  const section = (id: number, what: string) => {
    const r = sections.get(id);
    if (!r) throw new ModelFormatError(`model file has no ${what} section`);
    return new Reader(file, r[0], r[1], `the ${what} section`);
  };

  if (weightRanges.length === 0) throw new ModelFormatError("model file has no weights section");
  const weights: Uint8Array[] = [];
  for (const [start, end] of weightRanges) {
    const ws = new Reader(file, start, end, "a weights section");
    for (let i = ws.u32(); i > 0; i--) weights.push(ws.bytes(ws.u32()));
    ws.done();
  }
  const model: Model = {
    ...readMeta(section(Section.meta, "meta")),
    nodes: readNodes(section(Section.nodes, "nodes")),
    weights,
  };
  if (sections.has(Section.caches)) readCaches(section(Section.caches, "caches"), model);
  renumberCaches(model, version);
  validateModel(model);
  return model;
}

/** The meta section: name, input length and the two scales. */
export function readMeta(meta: Reader): Pick<Model, "name" | "inputLength" | "inputScale" | "outputScale"> {
  const name = new TextDecoder("utf-8", { fatal: true }).decode(meta.bytes(meta.u32()));
  const inputLength = meta.u32();
  meta.u32();
  const inputScale = meta.f64();
  const outputScale = meta.f64();
  meta.done();
  return { name, inputLength, inputScale, outputScale };
}

/** The nodes section. */
export function readNodes(ns: Reader): GraphNode[] {
  const nodes: GraphNode[] = [];
  for (let i = ns.u32(); i > 0; i--) {
    const op = ns.u32();
    const nIn = ns.u32();
    const nParams = ns.u32();
    const inputs: OperandSlot[] = [];
    for (let j = 0; j < nIn; j++) inputs.push({ kind: ns.u32() as OperandSlot["kind"], slot: ns.u32() });
    const params: number[] = [];
    for (let j = 0; j < nParams; j++) params.push(ns.i32());
    nodes.push({ op, inputs, params });
  }
  ns.done();
  return nodes;
}

/** The caches section, into `model` (its caches, and the nodes' cache writes). */
export function readCaches(cs: Reader, model: Model): void {
  model.caches = [];
  for (let c = cs.u32(); c > 0; c--) model.caches.push(cs.u32());
  for (let k = cs.u32(); k > 0; k--) {
    const [i, cache, offset] = [cs.u32(), cs.u32(), cs.u32()];
    const node = model.nodes[i];
    if (!node || node.into)
      throw new ModelFormatError("a cache write names no node, or a node twice", { details: `node ${i}` });
    node.into = { cache, offset };
  }
  cs.done();
}
