import { ByteReader } from "../../common/ByteReader.ts";
import { WasmInvalidError, WasmMalformedError, WasmUnsupportedError } from "../errors.ts";
import { refusedValType } from "./unsupported.ts";
import {
  I32,
  I64,
  type DataSegment,
  type ElemSegment,
  type ExportDef,
  type GlobalDef,
  type Limits,
  type ValType,
  type WasmModule,
} from "./WasmModule.ts";

/** Most pages a linear memory may declare (4 GiB). */
export const MAX_PAGES = 65536;
/** Most entries the one funcref table may declare (its region in VM memory is 2^26 entries). */
export const MAX_TABLE = 1 << 26;
/** Most functions / locals / types the VM accepts (bounds its code region). */
export const MAX_FUNCS = 1 << 20;

const SECTION_NAMES = [
  "custom",
  "type",
  "import",
  "function",
  "table",
  "memory",
  "global",
  "export",
  "start",
  "element",
  "code",
  "data",
  "data count",
];
/** Order in which non-custom sections must appear (data count sits before code). */
const SECTION_ORDER: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  6: 6,
  7: 7,
  8: 8,
  9: 9,
  12: 10,
  10: 11,
  11: 12,
};

export function readValType(r: ByteReader, what = "value type"): ValType {
  const at = r.pos;
  const t = r.byte(what);
  if (t === I32 || t === I64) return t;
  const refused = refusedValType(t);
  if (refused) throw new WasmUnsupportedError(refused, at, `in ${what}`);
  throw new WasmMalformedError(`malformed value type 0x${t.toString(16)}: ${what}`, at);
}

function readLimits(r: ByteReader, what: string, bound: number): Limits {
  const at = r.pos;
  const flags = r.byte(`${what} limits flag`);
  if (flags & 0x02) throw new WasmUnsupportedError(`threads: shared ${what}`, at);
  if (flags & 0x04) throw new WasmUnsupportedError(`memory64: 64-bit ${what}`, at);
  if (flags > 1) throw new WasmMalformedError(`malformed ${what} limits flag 0x${flags.toString(16)}`, at);
  const min = r.u32(`${what} minimum`);
  const max = flags === 1 ? r.u32(`${what} maximum`) : null;
  if (min > bound || (max !== null && max > bound)) {
    const msg =
      what === "memory" ? "memory size must be at most 65536 pages (4GiB)" : `${what} size too large for the VM`;
    if (what === "memory") throw new WasmInvalidError(msg, at);
    throw new WasmUnsupportedError(msg, at);
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

/** Decodes the sections of a WASM binary into a `WasmModule`, refusing everything outside the subset. */
export function decodeModule(bytes: Uint8Array): WasmModule {
  const r = new ByteReader(bytes);
  const magic = r.take(4, "magic header");
  if (magic[0] !== 0 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d)
    throw new WasmMalformedError("magic header not detected", 0);
  const v = r.take(4, "version");
  if (v[0] !== 1 || v[1] !== 0 || v[2] !== 0 || v[3] !== 0) throw new WasmMalformedError("unknown binary version", 4);

  const m: WasmModule = {
    bytes,
    types: [],
    funcTypes: [],
    table: null,
    memory: null,
    globals: [],
    exports: new Map<string, ExportDef>(),
    start: null,
    elems: [],
    datas: [],
    bodies: [],
  };
  let lastOrder = 0;
  let dataCount: number | null = null;
  let sawCode = false;
  let elemFuncRefs: { at: number; idx: number }[] = [];

  while (!r.atEnd) {
    const idAt = r.pos;
    const id = r.byte("section id");
    const size = r.u32("section size");
    const start = r.pos;
    if (size > bytes.length - start)
      throw new WasmMalformedError(
        `unexpected end: section ${SECTION_NAMES[id] ?? id} is truncated (length out of bounds)`,
        idAt,
      );
    const s = new ByteReader(bytes, start, start + size);
    const name = SECTION_NAMES[id] ?? `unknown section ${id}`;
    if (id !== 0) {
      const order = SECTION_ORDER[id];
      if (order === undefined) throw new WasmMalformedError(`malformed section id ${id}`, idAt);
      if (order <= lastOrder)
        throw new WasmMalformedError(
          `unexpected content after last section: ${name} section out of order or repeated`,
          idAt,
        );
      lastOrder = order;
    }
    switch (id) {
      case 0:
        s.name("custom section name");
        s.pos = s.end;
        break;
      case 1: {
        const n = s.u32("type count");
        for (let i = 0; i < n; i++) {
          const at = s.pos;
          const form = s.byte("func type form");
          if (form !== 0x60) throw new WasmMalformedError(`malformed function type form 0x${form.toString(16)}`, at);
          const params: ValType[] = [];
          const np = s.u32("param count");
          for (let j = 0; j < np; j++) params.push(readValType(s, "param type"));
          const results: ValType[] = [];
          const nr = s.u32("result count");
          for (let j = 0; j < nr; j++) results.push(readValType(s, "result type"));
          m.types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = s.u32("import count");
        if (n > 0) {
          const at = s.pos;
          const mod = s.name("import module name");
          const field = s.name("import field name");
          throw new WasmUnsupportedError(`imports: "${mod}"."${field}" (the VM runs self-contained modules only)`, at);
        }
        break;
      }
      case 3: {
        const n = s.u32("function count");
        if (n > MAX_FUNCS) throw new WasmUnsupportedError(`too many functions: ${n}`, start);
        for (let i = 0; i < n; i++) {
          const at = s.pos;
          const t = s.u32("function type index");
          if (t >= m.types.length) throw new WasmInvalidError(`unknown type ${t}`, at);
          m.funcTypes.push(t);
        }
        break;
      }
      case 4: {
        const n = s.u32("table count");
        if (n > 1) throw new WasmUnsupportedError("reference types: multiple tables", start);
        if (n === 1) {
          const at = s.pos;
          const et = s.byte("table element type");
          if (et === 0x6f) throw new WasmUnsupportedError("reference types: externref table", at);
          if (et !== 0x70) throw new WasmMalformedError(`malformed reference type 0x${et.toString(16)}`, at);
          m.table = readLimits(s, "table", MAX_TABLE);
        }
        break;
      }
      case 5: {
        const n = s.u32("memory count");
        if (n > 1) throw new WasmUnsupportedError("multiple memories", start);
        if (n === 1) m.memory = readLimits(s, "memory", MAX_PAGES);
        break;
      }
      case 6: {
        const n = s.u32("global count");
        for (let i = 0; i < n; i++) {
          const type = readValType(s, "global type");
          const mutAt = s.pos;
          const mut = s.byte("global mutability");
          if (mut > 1) throw new WasmMalformedError(`malformed mutability 0x${mut.toString(16)}`, mutAt);
          const [lo, hi] = readConstExpr(s, type, "global initializer");
          m.globals.push({ type, mutable: mut === 1, lo, hi } satisfies GlobalDef);
        }
        break;
      }
      case 7: {
        const n = s.u32("export count");
        for (let i = 0; i < n; i++) {
          const at = s.pos;
          const field = s.name("export name");
          const kindAt = s.pos;
          const kind = s.byte("export kind");
          const index = s.u32("export index");
          const kinds = ["func", "table", "memory", "global"] as const;
          if (kind > 3) throw new WasmMalformedError(`malformed export kind 0x${kind.toString(16)}`, kindAt);
          const k = kinds[kind];
          const count =
            k === "func"
              ? m.funcTypes.length
              : k === "table"
                ? m.table
                  ? 1
                  : 0
                : k === "memory"
                  ? m.memory
                    ? 1
                    : 0
                  : m.globals.length;
          if (index >= count)
            throw new WasmInvalidError(`unknown ${k === "func" ? "function" : k} ${index} in export "${field}"`, at);
          if (m.exports.has(field)) throw new WasmInvalidError(`duplicate export name "${field}"`, at);
          m.exports.set(field, { kind: k, index });
        }
        break;
      }
      case 8: {
        const at = s.pos;
        const f = s.u32("start function index");
        if (f >= m.funcTypes.length) throw new WasmInvalidError(`unknown function ${f} as start function`, at);
        const t = m.types[m.funcTypes[f]];
        if (t.params.length || t.results.length)
          throw new WasmInvalidError("start function must have type [] -> []", at);
        m.start = f;
        break;
      }
      case 9: {
        const n = s.u32("element segment count");
        for (let i = 0; i < n; i++) {
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
          const count = s.u32("element count");
          const funcs: number[] = [];
          for (let j = 0; j < count; j++) {
            const fAt = s.pos;
            const f = s.u32("element function index");
            elemFuncRefs.push({ at: fAt, idx: f });
            funcs.push(f);
          }
          m.elems.push({ offset: offset >>> 0, funcs } satisfies ElemSegment);
        }
        for (const ref of elemFuncRefs)
          if (ref.idx >= m.funcTypes.length)
            throw new WasmInvalidError(`unknown function ${ref.idx} in element segment`, ref.at);
        elemFuncRefs = [];
        break;
      }
      case 12:
        dataCount = s.u32("data count");
        break;
      case 10: {
        sawCode = true;
        const n = s.u32("code count");
        if (n !== m.funcTypes.length)
          throw new WasmMalformedError("function and code section have inconsistent lengths", start);
        for (let i = 0; i < n; i++) {
          const bodySize = s.u32("function body size");
          const bStart = s.pos;
          s.take(bodySize, "function body");
          m.bodies.push({ start: bStart, end: bStart + bodySize });
        }
        break;
      }
      case 11: {
        const n = s.u32("data segment count");
        if (dataCount !== null && n !== dataCount)
          throw new WasmMalformedError("data count and data section have inconsistent lengths", start);
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
          m.datas.push({ offset: offset >>> 0, bytes: s.take(len, "data segment bytes") } satisfies DataSegment);
        }
        break;
      }
    }
    if (s.pos !== s.end)
      throw new WasmMalformedError(`section size mismatch: ${name} section has ${s.end - s.pos} unread bytes`, s.pos);
    r.pos = s.end;
  }
  if (!sawCode && m.funcTypes.length > 0)
    throw new WasmMalformedError("function and code section have inconsistent lengths", bytes.length);
  if (dataCount !== null && dataCount !== m.datas.length)
    throw new WasmMalformedError("data count and data section have inconsistent lengths", bytes.length);
  return m;
}
