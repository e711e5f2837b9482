/** The decoded (not yet compiled) shape of a WASM module in the VM's subset. */

export const I32 = 0x7f;
export const I64 = 0x7e;
/** Unknown operand type in unreachable code (validation's polymorphic stack). */
export const UNKNOWN = 0;
export type ValType = typeof I32 | typeof I64;

/** Most pages a linear memory may declare (4 GiB). */
export const MAX_PAGES = 65536;
/** Most entries the one funcref table may declare (its region in VM memory is 2^26 entries). */
export const MAX_TABLE = 1 << 26;
/** Most functions the VM accepts (bounds its code region). */
export const MAX_FUNCS = 1 << 20;

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max: number | null;
}

export interface GlobalDef {
  type: ValType;
  mutable: boolean;
  /** Initial value as int32 halves (an i32 has hi = 0). */
  lo: number;
  hi: number;
}

export interface ExportDef {
  kind: "func" | "table" | "memory" | "global";
  index: number;
}

export interface ElemSegment {
  offset: number;
  funcs: number[];
}

export interface DataSegment {
  offset: number;
  bytes: Uint8Array;
}

export interface FuncBody {
  /** Byte range of the body (locals + expression) in the module. */
  start: number;
  end: number;
}

export interface WasmModule {
  bytes: Uint8Array;
  types: FuncType[];
  /** Type index of every function. */
  funcTypes: number[];
  table: Limits | null;
  memory: Limits | null;
  globals: GlobalDef[];
  exports: Map<string, ExportDef>;
  start: number | null;
  elems: ElemSegment[];
  datas: DataSegment[];
  bodies: FuncBody[];
}
