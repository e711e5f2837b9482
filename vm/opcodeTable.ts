/**
 * The opcode table: every instruction the VM's loader accepts and every flat opcode a step
 * executes, written once. The loader validates and compiles by it, the opcode corpus and the random
 * programs draw their instructions from it, the VM-build check (phase/checkVmBuild.ts) names and
 * judges a module's instructions by it, and vm/tools/genLayout.ts generates the `OP_*` constants of
 * vm/layout.ts and contracts/src/vm/VmLayout.sol from it. docs/protocol.md §5.3 describes it.
 */
import { I32, I64, type ValType } from "./loader/WasmModule.ts";

/**
 * An instruction's class: the function of vm/step.ts and StepVerifier.sol that executes it, and of
 * the loader that validates and compiles it.
 */
export type OpcodeKind =
  | "control"
  | "parametric"
  | "variable"
  | "load"
  | "store"
  | "memory"
  | "const"
  | "test"
  | "compare"
  | "unary"
  | "binary"
  | "convert";

/** The WebAssembly feature an instruction comes from: the MVP (1.0) or a 2.0 proposal. */
export type WasmFeature = "mvp" | "sign-extension" | "reference-types";

export interface OpcodeSpec {
  /** The opcode byte: the WASM opcode, which the flat instruction keeps (docs/protocol.md §5.3). */
  op: number;
  /** The constant that names it: `OP_*` for a flat opcode, `WASM_*` for one compiled away. */
  name: string;
  /** A flat opcode, executed by a step; false for a WASM instruction the loader compiles away. */
  flat: boolean;
  /** The WASM text mnemonic it is decoded from; null for the VM's own `OP_HALT`, `OP_TABLE_ENTRY`. */
  wasm: string | null;
  kind: OpcodeKind;
  /** Operand types, popped last first, and result types (validation); empty where the loader decides. */
  params: ValType[];
  results: ValType[];
  /** Loads and stores: the bytes accessed. */
  width: number;
  /** Loads: the value read is sign-extended to the result type. */
  signed: boolean;
  feature: WasmFeature;
  /** Control: what the instruction's words `a`, `b`, `c` hold ("" for none). */
  fields: [string, string, string];
}

const NONE: [string, string, string] = ["", "", ""];

/** `i32.load8_s` → `OP_I32_LOAD8_S`. */
function constantName(wasm: string): string {
  return "OP_" + wasm.toUpperCase().replace(/\./g, "_");
}

function row(
  op: number,
  wasm: string,
  kind: OpcodeKind,
  params: ValType[],
  results: ValType[],
  feature: WasmFeature = "mvp",
): OpcodeSpec {
  const name = constantName(wasm);
  return { op, name, flat: true, wasm, kind, params, results, width: 0, signed: false, feature, fields: NONE };
}

/** A flat control instruction (its own name; `wasm` null for the VM's own). */
function control(name: string, op: number, wasm: string | null, fields: string[] = []): OpcodeSpec {
  const [a = "", b = "", c = ""] = fields;
  return { ...row(op, wasm ?? "", "control", [], []), name, wasm, fields: [a, b, c] };
}

/** A WASM instruction the loader compiles away: into jumps, into nothing, or (`select t`) into `select`. */
function compiledAway(op: number, wasm: string, name: string, kind: OpcodeKind, feature: WasmFeature): OpcodeSpec {
  return { ...row(op, wasm, kind, [], [], feature), name, flat: false };
}

function load(op: number, wasm: string, result: ValType, width: number, signed: boolean): OpcodeSpec {
  return { ...row(op, wasm, "load", [I32], [result]), width, signed };
}

function store(op: number, wasm: string, value: ValType, width: number): OpcodeSpec {
  return { ...row(op, wasm, "store", [I32, value], []), width };
}

const T: ValType[] = [I32];
const TT: ValType[] = [I32, I32];
const L: ValType[] = [I64];
const LL: ValType[] = [I64, I64];

/** Every instruction, by opcode. */
export const OPCODE_TABLE: readonly OpcodeSpec[] = [
  control("OP_TRAP", 0x00, "unreachable"),
  compiledAway(0x01, "nop", "WASM_NOP", "control", "mvp"),
  compiledAway(0x02, "block", "WASM_BLOCK", "control", "mvp"),
  compiledAway(0x03, "loop", "WASM_LOOP", "control", "mvp"),
  control("OP_BR_UNLESS", 0x04, "if", ["target"]),
  compiledAway(0x05, "else", "WASM_ELSE", "control", "mvp"),
  compiledAway(0x0b, "end", "WASM_END", "control", "mvp"),
  control("OP_BR", 0x0c, "br", ["target", "keep", "drop"]),
  control("OP_BR_IF", 0x0d, "br_if", ["target", "keep", "drop"]),
  control("OP_BR_TABLE", 0x0e, "br_table", ["n"]),
  control("OP_RETURN", 0x0f, "return", ["keep"]),
  control("OP_CALL", 0x10, "call", ["entryPc", "nparams", "frameSize"]),
  control("OP_CALL_INDIRECT", 0x11, "call_indirect", ["typeId"]),
  row(0x1a, "drop", "parametric", [], []),
  row(0x1b, "select", "parametric", [], []),
  compiledAway(0x1c, "select t", "WASM_SELECT_T", "parametric", "reference-types"),
  row(0x20, "local.get", "variable", [], []),
  row(0x21, "local.set", "variable", [], []),
  row(0x22, "local.tee", "variable", [], []),
  row(0x23, "global.get", "variable", [], []),
  row(0x24, "global.set", "variable", [], []),
  load(0x28, "i32.load", I32, 4, true),
  load(0x29, "i64.load", I64, 8, true),
  load(0x2c, "i32.load8_s", I32, 1, true),
  load(0x2d, "i32.load8_u", I32, 1, false),
  load(0x2e, "i32.load16_s", I32, 2, true),
  load(0x2f, "i32.load16_u", I32, 2, false),
  load(0x30, "i64.load8_s", I64, 1, true),
  load(0x31, "i64.load8_u", I64, 1, false),
  load(0x32, "i64.load16_s", I64, 2, true),
  load(0x33, "i64.load16_u", I64, 2, false),
  load(0x34, "i64.load32_s", I64, 4, true),
  load(0x35, "i64.load32_u", I64, 4, false),
  store(0x36, "i32.store", I32, 4),
  store(0x37, "i64.store", I64, 8),
  store(0x3a, "i32.store8", I32, 1),
  store(0x3b, "i32.store16", I32, 2),
  store(0x3c, "i64.store8", I64, 1),
  store(0x3d, "i64.store16", I64, 2),
  store(0x3e, "i64.store32", I64, 4),
  row(0x3f, "memory.size", "memory", [], T),
  row(0x40, "memory.grow", "memory", T, T),
  row(0x41, "i32.const", "const", [], T),
  row(0x42, "i64.const", "const", [], L),
  row(0x45, "i32.eqz", "test", T, T),
  row(0x46, "i32.eq", "compare", TT, T),
  row(0x47, "i32.ne", "compare", TT, T),
  row(0x48, "i32.lt_s", "compare", TT, T),
  row(0x49, "i32.lt_u", "compare", TT, T),
  row(0x4a, "i32.gt_s", "compare", TT, T),
  row(0x4b, "i32.gt_u", "compare", TT, T),
  row(0x4c, "i32.le_s", "compare", TT, T),
  row(0x4d, "i32.le_u", "compare", TT, T),
  row(0x4e, "i32.ge_s", "compare", TT, T),
  row(0x4f, "i32.ge_u", "compare", TT, T),
  row(0x50, "i64.eqz", "test", L, T),
  row(0x51, "i64.eq", "compare", LL, T),
  row(0x52, "i64.ne", "compare", LL, T),
  row(0x53, "i64.lt_s", "compare", LL, T),
  row(0x54, "i64.lt_u", "compare", LL, T),
  row(0x55, "i64.gt_s", "compare", LL, T),
  row(0x56, "i64.gt_u", "compare", LL, T),
  row(0x57, "i64.le_s", "compare", LL, T),
  row(0x58, "i64.le_u", "compare", LL, T),
  row(0x59, "i64.ge_s", "compare", LL, T),
  row(0x5a, "i64.ge_u", "compare", LL, T),
  row(0x67, "i32.clz", "unary", T, T),
  row(0x68, "i32.ctz", "unary", T, T),
  row(0x69, "i32.popcnt", "unary", T, T),
  row(0x6a, "i32.add", "binary", TT, T),
  row(0x6b, "i32.sub", "binary", TT, T),
  row(0x6c, "i32.mul", "binary", TT, T),
  row(0x6d, "i32.div_s", "binary", TT, T),
  row(0x6e, "i32.div_u", "binary", TT, T),
  row(0x6f, "i32.rem_s", "binary", TT, T),
  row(0x70, "i32.rem_u", "binary", TT, T),
  row(0x71, "i32.and", "binary", TT, T),
  row(0x72, "i32.or", "binary", TT, T),
  row(0x73, "i32.xor", "binary", TT, T),
  row(0x74, "i32.shl", "binary", TT, T),
  row(0x75, "i32.shr_s", "binary", TT, T),
  row(0x76, "i32.shr_u", "binary", TT, T),
  row(0x77, "i32.rotl", "binary", TT, T),
  row(0x78, "i32.rotr", "binary", TT, T),
  row(0x79, "i64.clz", "unary", L, L),
  row(0x7a, "i64.ctz", "unary", L, L),
  row(0x7b, "i64.popcnt", "unary", L, L),
  row(0x7c, "i64.add", "binary", LL, L),
  row(0x7d, "i64.sub", "binary", LL, L),
  row(0x7e, "i64.mul", "binary", LL, L),
  row(0x7f, "i64.div_s", "binary", LL, L),
  row(0x80, "i64.div_u", "binary", LL, L),
  row(0x81, "i64.rem_s", "binary", LL, L),
  row(0x82, "i64.rem_u", "binary", LL, L),
  row(0x83, "i64.and", "binary", LL, L),
  row(0x84, "i64.or", "binary", LL, L),
  row(0x85, "i64.xor", "binary", LL, L),
  row(0x86, "i64.shl", "binary", LL, L),
  row(0x87, "i64.shr_s", "binary", LL, L),
  row(0x88, "i64.shr_u", "binary", LL, L),
  row(0x89, "i64.rotl", "binary", LL, L),
  row(0x8a, "i64.rotr", "binary", LL, L),
  row(0xa7, "i32.wrap_i64", "convert", L, T),
  row(0xac, "i64.extend_i32_s", "convert", T, L),
  row(0xad, "i64.extend_i32_u", "convert", T, L),
  row(0xc0, "i32.extend8_s", "unary", T, T, "sign-extension"),
  row(0xc1, "i32.extend16_s", "unary", T, T, "sign-extension"),
  row(0xc2, "i64.extend8_s", "unary", L, L, "sign-extension"),
  row(0xc3, "i64.extend16_s", "unary", L, L, "sign-extension"),
  row(0xc4, "i64.extend32_s", "unary", L, L, "sign-extension"),
  control("OP_HALT", 0xf0, null),
  control("OP_TABLE_ENTRY", 0xf1, null, ["target", "keep", "drop"]),
];

const BY_OP = new Map(OPCODE_TABLE.map((s) => [s.op, s]));
const BY_WASM = new Map(OPCODE_TABLE.filter((s) => s.wasm !== null).map((s) => [s.wasm!, s]));

/** The instruction the loader decodes from WASM byte `op`, or undefined when it refuses the byte. */
export function wasmOpcode(op: number): OpcodeSpec | undefined {
  const s = BY_OP.get(op);
  return s?.wasm === null ? undefined : s;
}

/** The table row of flat opcode `op` (what a step executes), or undefined for none. */
export function flatOpcode(op: number): OpcodeSpec | undefined {
  const s = BY_OP.get(op);
  return s?.flat ? s : undefined;
}

/** The row of the WASM instruction named `wasm` (`i32.add`). */
export function opcodeByMnemonic(wasm: string): OpcodeSpec {
  const s = BY_WASM.get(wasm);
  if (!s) throw new RangeError(`no instruction ${wasm} in the opcode table`);
  return s;
}

/** The flat opcodes of the given kinds, by opcode. */
export function flatOpcodesOfKind(...kinds: OpcodeKind[]): OpcodeSpec[] {
  return OPCODE_TABLE.filter((s) => s.flat && kinds.includes(s.kind));
}
