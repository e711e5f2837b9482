/**
 * The readers of a WASM module's sections, one per section id, each filling its part of the
 * `WasmModule` and refusing what lies outside the VM's subset (docs/protocol.md §5.5) with a typed
 * error at the byte it found it. decodeModule.ts frames the sections and calls these.
 */
import type { ByteReader } from "../../common/ByteReader.ts";
import { WasmInvalidError, WasmMalformedError, WasmUnsupportedError } from "../errors.ts";
import { readValType } from "./readValType.ts";
import {
  I32,
  I64,
  MAX_FUNCS,
  MAX_PAGES,
  MAX_TABLE,
  type ExportDef,
  type Limits,
  type ValType,
  type WasmModule,
} from "./WasmModule.ts";

/** What the section readers share while one module is decoded. */
export interface DecodeState {
  /** Byte offset of the current section's payload, for errors about the section as a whole. */
  start: number;
  /** The data count section's count, when the module has one. */
  dataCount: number | null;
  sawCode: boolean;
}

type SectionReader = (s: ByteReader, m: WasmModule, d: DecodeState) => void;

function readLimits(r: ByteReader, what: string, bound: number): Limits {
  const at = r.pos;
  const flags = r.byte(`${what} limits flag`);
  if (flags & 0x02) throw new WasmUnsupportedError(`threads: shared ${what}`, at);
  if (flags & 0x04) throw new WasmUnsupportedError(`memory64: 64-bit ${what}`, at);
  if (flags > 1) throw new WasmMalformedError(`malformed ${what} limits flag 0x${flags.toString(16)}`, at);
  const min = r.u32(`${what} minimum`);
  const max = flags === 1 ? r.u32(`${what} maximum`) : null;
  if (min > bound || (max !== null && max > bound)) {
    if (what === "memory") throw new WasmInvalidError("memory size must be at most 65536 pages (4GiB)", at);
    throw new WasmUnsupportedError(`${what} size too large for the VM`, at);
  }
  if (max !== null && max < min)
    throw new WasmInvalidError(`size minimum must not be greater than maximum: ${what}`, at);
  return { min, max };
}

/** A constant expression (global init, segment offset): exactly one `t.const` then `end`. */
function readConstExpr(r: ByteReader, type: ValType, what: string): [number, number] {
  const at = r.pos;
  const op = r.byte(`${what} opcode`);
  let value: [number, number];
  if (op === 0x41) value = [r.s32(`${what} i32 constant`), 0];
  else if (op === 0x42) value = r.s64(`${what} i64 constant`);
  else if (op === 0x23) {
    const idx = r.u32(`${what} global index`);
    throw new WasmInvalidError(
      `unknown global ${idx}: ${what} may only read imported globals and the VM has no imports`,
      at,
    );
  } else if (op === 0x43 || op === 0x44)
    throw new WasmUnsupportedError(`floating point: ${op === 0x43 ? "f32" : "f64"}.const`, at, `in ${what}`);
  else if (op === 0xd0 || op === 0xd2)
    throw new WasmUnsupportedError("reference types: ref.null/ref.func", at, `in ${what}`);
  else if (op === 0xfd) throw new WasmUnsupportedError("SIMD: 0xfd prefix", at, `in ${what}`);
  else if (op === 0x0b) throw new WasmInvalidError(`type mismatch: empty ${what}`, at);
  else throw new WasmInvalidError(`constant expression required: opcode 0x${op.toString(16)} in ${what}`, at);
  if ((op === 0x41 ? I32 : I64) !== type) throw new WasmInvalidError(`type mismatch: ${what} has the wrong type`, at);
  const endAt = r.pos;
  const end = r.byte(`${what} end`);
  if (end !== 0x0b)
    throw new WasmInvalidError(`constant expression required: ${what} must be a single constant`, endAt);
  return value;
}

/** `count` items read by `item`. */
function readVec(s: ByteReader, what: string, item: () => void): void {
  const n = s.u32(what);
  for (let i = 0; i < n; i++) item();
}

const readCustom: SectionReader = (s) => {
  s.name("custom section name");
  s.pos = s.end;
};

const readTypes: SectionReader = (s, m) =>
  readVec(s, "type count", () => {
    const at = s.pos;
    const form = s.byte("func type form");
    if (form !== 0x60) throw new WasmMalformedError(`malformed function type form 0x${form.toString(16)}`, at);
    const params: ValType[] = [];
    readVec(s, "param count", () => params.push(readValType(s, "param type")));
    const results: ValType[] = [];
    readVec(s, "result count", () => results.push(readValType(s, "result type")));
    m.types.push({ params, results });
  });

const readImports: SectionReader = (s) => {
  if (s.u32("import count") === 0) return;
  const at = s.pos;
  const mod = s.name("import module name");
  const field = s.name("import field name");
  throw new WasmUnsupportedError(`imports: "${mod}"."${field}" (the VM runs self-contained modules only)`, at);
};

const readFunctions: SectionReader = (s, m, d) => {
  const n = s.u32("function count");
  if (n > MAX_FUNCS) throw new WasmUnsupportedError(`too many functions: ${n}`, d.start);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    const t = s.u32("function type index");
    if (t >= m.types.length) throw new WasmInvalidError(`unknown type ${t}`, at);
    m.funcTypes.push(t);
  }
};

const readTable: SectionReader = (s, m, d) => {
  const n = s.u32("table count");
  if (n > 1) throw new WasmUnsupportedError("reference types: multiple tables", d.start);
  if (n === 0) return;
  const at = s.pos;
  const et = s.byte("table element type");
  if (et === 0x6f) throw new WasmUnsupportedError("reference types: externref table", at);
  if (et !== 0x70) throw new WasmMalformedError(`malformed reference type 0x${et.toString(16)}`, at);
  m.table = readLimits(s, "table", MAX_TABLE);
};

const readMemory: SectionReader = (s, m, d) => {
  const n = s.u32("memory count");
  if (n > 1) throw new WasmUnsupportedError("multiple memories", d.start);
  if (n === 1) m.memory = readLimits(s, "memory", MAX_PAGES);
};

const readGlobals: SectionReader = (s, m) =>
  readVec(s, "global count", () => {
    const type = readValType(s, "global type");
    const mutAt = s.pos;
    const mut = s.byte("global mutability");
    if (mut > 1) throw new WasmMalformedError(`malformed mutability 0x${mut.toString(16)}`, mutAt);
    const [lo, hi] = readConstExpr(s, type, "global initializer");
    m.globals.push({ type, mutable: mut === 1, lo, hi });
  });

const EXPORT_KINDS = ["func", "table", "memory", "global"] as const;

/** How many of an export kind the module defines (the bound of an export's index). */
function defined(m: WasmModule, kind: ExportDef["kind"]): number {
  if (kind === "func") return m.funcTypes.length;
  if (kind === "table") return m.table ? 1 : 0;
  if (kind === "memory") return m.memory ? 1 : 0;
  return m.globals.length;
}

const readExports: SectionReader = (s, m) =>
  readVec(s, "export count", () => {
    const at = s.pos;
    const field = s.name("export name");
    const kindAt = s.pos;
    const kind = s.byte("export kind");
    const index = s.u32("export index");
    const k = EXPORT_KINDS[kind];
    if (k === undefined) throw new WasmMalformedError(`malformed export kind 0x${kind.toString(16)}`, kindAt);
    if (index >= defined(m, k))
      throw new WasmInvalidError(`unknown ${k === "func" ? "function" : k} ${index} in export "${field}"`, at);
    if (m.exports.has(field)) throw new WasmInvalidError(`duplicate export name "${field}"`, at);
    m.exports.set(field, { kind: k, index });
  });

const readStart: SectionReader = (s, m) => {
  const at = s.pos;
  const f = s.u32("start function index");
  if (f >= m.funcTypes.length) throw new WasmInvalidError(`unknown function ${f} as start function`, at);
  const t = m.types[m.funcTypes[f]!]!; // the function section checked each type index
  if (t.params.length || t.results.length) throw new WasmInvalidError("start function must have type [] -> []", at);
  m.start = f;
};

/** Element segments: active funcref segments of table 0 only. */
const readElements: SectionReader = (s, m) => {
  const refs: { at: number; idx: number }[] = [];
  readVec(s, "element segment count", () => {
    const at = s.pos;
    const flags = s.u32("element segment flags");
    if (flags !== 0 && flags !== 2)
      throw new WasmUnsupportedError(
        `reference types/bulk memory: element segment kind ${flags} (only active funcref segments)`,
        at,
      );
    if (flags === 2) {
      const t = s.u32("element table index");
      if (t !== 0 || !m.table) throw new WasmInvalidError(`unknown table ${t}`, at);
    }
    if (!m.table) throw new WasmInvalidError("unknown table 0 in element segment", at);
    const [offset] = readConstExpr(s, I32, "element segment offset");
    if (flags === 2) {
      const kAt = s.pos;
      const kind = s.byte("element kind");
      if (kind !== 0) throw new WasmMalformedError(`malformed element kind 0x${kind.toString(16)}`, kAt);
    }
    const funcs: number[] = [];
    readVec(s, "element count", () => {
      const ref = { at: s.pos, idx: s.u32("element function index") };
      refs.push(ref);
      funcs.push(ref.idx);
    });
    m.elems.push({ offset: offset >>> 0, funcs });
  });
  for (const ref of refs)
    if (ref.idx >= m.funcTypes.length)
      throw new WasmInvalidError(`unknown function ${ref.idx} in element segment`, ref.at);
};

const readDataCount: SectionReader = (s, _m, d) => {
  d.dataCount = s.u32("data count");
};

/** The code section: each body's byte range (compileFunction.ts validates and compiles it). */
const readCode: SectionReader = (s, m, d) => {
  d.sawCode = true;
  const n = s.u32("code count");
  if (n !== m.funcTypes.length)
    throw new WasmMalformedError("function and code section have inconsistent lengths", d.start);
  for (let i = 0; i < n; i++) {
    const bodySize = s.u32("function body size");
    const start = s.pos;
    s.take(bodySize, "function body");
    m.bodies.push({ start, end: start + bodySize });
  }
};

/** Data segments: active segments of memory 0 only. */
const readData: SectionReader = (s, m, d) => {
  const n = s.u32("data segment count");
  if (d.dataCount !== null && n !== d.dataCount)
    throw new WasmMalformedError("data count and data section have inconsistent lengths", d.start);
  for (let i = 0; i < n; i++) {
    const at = s.pos;
    const flags = s.u32("data segment flags");
    if (flags === 1) throw new WasmUnsupportedError("bulk memory: passive data segment", at);
    if (flags !== 0 && flags !== 2) throw new WasmMalformedError(`malformed data segment flags ${flags}`, at);
    if (flags === 2) {
      const mi = s.u32("data memory index");
      if (mi !== 0) throw new WasmUnsupportedError("multiple memories: data segment for memory " + mi, at);
    }
    if (!m.memory) throw new WasmInvalidError("unknown memory 0 in data segment", at);
    const [offset] = readConstExpr(s, I32, "data segment offset");
    const len = s.u32("data segment length");
    m.datas.push({ offset: offset >>> 0, bytes: s.take(len, "data segment bytes") });
  }
};

/** The reader of each section id. */
export const SECTION_READERS: Record<number, SectionReader> = {
  0: readCustom,
  1: readTypes,
  2: readImports,
  3: readFunctions,
  4: readTable,
  5: readMemory,
  6: readGlobals,
  7: readExports,
  8: readStart,
  9: readElements,
  10: readCode,
  11: readData,
  12: readDataCount,
};
