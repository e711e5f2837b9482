/**
 * The model file (docs/model-format.md): a versioned, checksummed binary
 * container of the graph and the weights. `encodeModel` writes it (same model →
 * same bytes); `decodeModel` reads and checks it, with a typed error for a
 * truncated, corrupt or unsupported file, then validates the graph.
 */
import { keccak256 } from "../../../commitment/hash.ts";
import { ModelFormatError, ModelUnsupportedError } from "./errors.ts";
import type { GraphNode, Model } from "./Model.ts";
import { validateModel } from "./validateModel.ts";
import type { OperandSlot } from "../nodeInput.ts";

export const MODEL_MAGIC = "OPMLMODL";
export const MODEL_VERSION = 1;
export const Section = { meta: 1, nodes: 2, weights: 3, caches: 4 } as const;
const CHECKSUM_BYTES = 32;

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array): void {
    this.chunks.push(b.slice());
    this.length += b.length;
    const pad = (4 - (b.length % 4)) % 4;
    if (pad) {
      this.chunks.push(new Uint8Array(pad));
      this.length += pad;
    }
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

class Reader {
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

export function encodeModel(model: Model): Uint8Array {
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
  const weights = new Writer();
  weights.u32(model.weights.length);
  for (const w of model.weights) {
    weights.u32(w.length);
    weights.bytes(w);
  }
  const sections: [number, Writer][] = [
    [Section.meta, meta],
    [Section.nodes, nodes],
    [Section.weights, weights],
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
    file.bytes(w.finish());
  }
  const body = file.finish();
  const out = new Uint8Array(body.length + CHECKSUM_BYTES);
  out.set(body);
  out.set(keccak256(body), body.length);
  return out;
}

export function decodeModel(file: Uint8Array): Model {
  const magic = new TextEncoder().encode(MODEL_MAGIC);
  if (file.length < magic.length || magic.some((b, i) => file[i] !== b))
    throw new ModelFormatError("not an opML model file", { details: `the first 8 bytes are not "${MODEL_MAGIC}"` });
  const bodyEnd = file.length - CHECKSUM_BYTES;
  const head = new Reader(file, 8, Math.max(8, bodyEnd), "the header");
  const version = head.u32();
  if (version !== MODEL_VERSION)
    throw new ModelUnsupportedError("unsupported model file version", {
      details: `version ${version}, this loader reads ${MODEL_VERSION}`,
    });
  const count = head.u32();
  const sections = new Map<number, [number, number]>();
  for (let k = 0; k < count; k++) {
    const id = head.u32();
    const len = head.u32();
    const start = head.offset;
    head.bytes(len);
    if (id !== Section.meta && id !== Section.nodes && id !== Section.weights && id !== Section.caches)
      throw new ModelUnsupportedError("unknown model file section", { details: `section id ${id}` });
    if (sections.has(id)) throw new ModelFormatError("duplicate model file section", { details: `section id ${id}` });
    sections.set(id, [start, start + len]);
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

  const meta = section(Section.meta, "meta");
  const name = new TextDecoder("utf-8", { fatal: true }).decode(meta.bytes(meta.u32()));
  const inputLength = meta.u32();
  meta.u32();
  const inputScale = meta.f64();
  const outputScale = meta.f64();
  meta.done();

  const ns = section(Section.nodes, "nodes");
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

  const ws = section(Section.weights, "weights");
  const weights: Uint8Array[] = [];
  for (let i = ws.u32(); i > 0; i--) weights.push(ws.bytes(ws.u32()));
  ws.done();

  const model: Model = { name, inputLength, inputScale, outputScale, nodes, weights };
  if (sections.has(Section.caches)) {
    const cs = section(Section.caches, "caches");
    model.caches = [];
    for (let c = cs.u32(); c > 0; c--) model.caches.push(cs.u32());
    for (let k = cs.u32(); k > 0; k--) {
      const [i, cache, offset] = [cs.u32(), cs.u32(), cs.u32()];
      const node = nodes[i];
      if (!node || node.into)
        throw new ModelFormatError("a cache write names no node, or a node twice", { details: `node ${i}` });
      node.into = { cache, offset };
    }
    cs.done();
  }
  validateModel(model);
  return model;
}
