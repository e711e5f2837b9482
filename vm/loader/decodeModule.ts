import { ByteReader } from "../../common/ByteReader.ts";
import { WasmMalformedError } from "../errors.ts";
import { SECTION_READERS, type DecodeState } from "./sectionReaders.ts";
import type { ExportDef, WasmModule } from "./WasmModule.ts";

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

function emptyModule(bytes: Uint8Array): WasmModule {
  return {
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
}

/** The magic header and version 1. */
function readHeader(r: ByteReader): void {
  const magic = r.take(4, "magic header");
  if (magic[0] !== 0 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d)
    throw new WasmMalformedError("magic header not detected", 0);
  const v = r.take(4, "version");
  if (v[0] !== 1 || v[1] !== 0 || v[2] !== 0 || v[3] !== 0) throw new WasmMalformedError("unknown binary version", 4);
}

/**
 * Decodes the sections of a WASM binary into a `WasmModule`, refusing everything outside the subset:
 * this frames each section and checks their order; sectionReaders.ts reads their contents.
 */
export function decodeModule(bytes: Uint8Array): WasmModule {
  const r = new ByteReader(bytes);
  readHeader(r);
  const m = emptyModule(bytes);
  const d: DecodeState = { start: 0, dataCount: null, sawCode: false };
  let lastOrder = 0;
  while (!r.atEnd) {
    const idAt = r.pos;
    const id = r.byte("section id");
    const size = r.u32("section size");
    d.start = r.pos;
    if (size > bytes.length - d.start)
      throw new WasmMalformedError(
        `unexpected end: section ${SECTION_NAMES[id] ?? id} is truncated (length out of bounds)`,
        idAt,
      );
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
    const s = new ByteReader(bytes, d.start, d.start + size);
    SECTION_READERS[id]!(s, m, d); // id is 0 or has a SECTION_ORDER entry: a reader each
    if (s.pos !== s.end)
      throw new WasmMalformedError(`section size mismatch: ${name} section has ${s.end - s.pos} unread bytes`, s.pos);
    r.pos = s.end;
  }
  if (!d.sawCode && m.funcTypes.length > 0)
    throw new WasmMalformedError("function and code section have inconsistent lengths", bytes.length);
  if (d.dataCount !== null && d.dataCount !== m.datas.length)
    throw new WasmMalformedError("data count and data section have inconsistent lengths", bytes.length);
  return m;
}
