/**
 * Validation and compilation of WASM's control instructions: structured control flow becomes
 * absolute jumps (`OP_BR_UNLESS`, `OP_BR`, `OP_BR_IF`, `OP_BR_TABLE` + `OP_TABLE_ENTRY`s) whose
 * targets are patched when a block ends; calls carry the callee for the linker (docs/protocol.md §5.3).
 */
import { WasmUnsupportedError } from "../errors.ts";
import type { OpcodeSpec } from "../opcodeTable.ts";
import type { FunctionCompiler } from "./FunctionCompiler.ts";
import { I32 } from "./WasmModule.ts";
import {
  OP_BR,
  OP_BR_IF,
  OP_BR_TABLE,
  OP_BR_UNLESS,
  OP_CALL,
  OP_CALL_INDIRECT,
  OP_RETURN,
  OP_TABLE_ENTRY,
  OP_TRAP,
} from "../layout.ts";

/** Compiles the control instruction `spec` (the row of the opcode table the byte decoded to). */
export function compileControl(f: FunctionCompiler, spec: OpcodeSpec): void {
  switch (spec.wasm) {
    case "unreachable":
      f.code.emit(OP_TRAP);
      return f.setUnreachable();
    case "nop":
      return; // compiles to nothing
    case "block":
    case "loop":
      return block(f, spec.wasm);
    case "if":
      return ifThen(f);
    case "else":
      return elseBranch(f);
    case "end":
      return end(f);
    case "br":
      return br(f);
    case "br_if":
      return brIf(f);
    case "br_table":
      return brTable(f);
    case "return":
      return ret(f);
    case "call":
      return call(f);
    case "call_indirect":
      return callIndirect(f);
    default:
      throw new Error(`no compiler for control instruction ${spec.wasm}`);
  }
}

function block(f: FunctionCompiler, kind: "block" | "loop"): void {
  const [params, results] = f.blockType();
  f.popAll(params);
  f.pushCtrl(kind, params, results);
}

/** `if` pops its condition; `OP_BR_UNLESS` jumps to the else branch (or the end) when it is zero. */
function ifThen(f: FunctionCompiler): void {
  const [params, results] = f.blockType();
  f.pop(I32);
  f.popAll(params);
  const c = f.pushCtrl("if", params, results);
  c.elseFixup = f.code.emit(OP_BR_UNLESS, -1);
}

/** `else` ends the then branch with a jump to the end and starts the else branch. */
function elseBranch(f: FunctionCompiler): void {
  const c = f.top;
  if (c.kind !== "if") f.invalid("else without a matching if");
  f.popAll(c.results);
  if (f.vals.length !== c.height) f.invalid("type mismatch: values left on the stack before else");
  c.fixups.push(f.code.emit(OP_BR, -1, 0, 0));
  f.code.patch(c.elseFixup, 1, f.code.pc);
  c.elseFixup = -1;
  c.kind = "else";
  c.unreachable = false;
  f.pushAll(c.params);
}

/** `end` closes a block: its jumps land here; the function's own end returns. */
function end(f: FunctionCompiler): void {
  const c = f.popCtrl();
  if (c.kind === "if" && (c.params.length !== c.results.length || c.params.some((t, i) => t !== c.results[i])))
    f.invalid("type mismatch: if without else must leave its parameters unchanged");
  if (c.elseFixup >= 0) f.code.patch(c.elseFixup, 1, f.code.pc);
  for (const pc of c.fixups) f.code.patch(pc, 1, f.code.pc);
  if (c.kind === "function") f.code.emit(OP_RETURN, f.checkKeep(c.results.length));
  else f.pushAll(c.results);
}

/** `br` to a block jumps (`OP_BR`); to the function itself it returns. */
function br(f: FunctionCompiler): void {
  const c = f.label(f.r.u32("label index"));
  f.popAll(f.labelTypes(c));
  f.pushAll(f.labelTypes(c));
  if (c.kind === "function") f.code.emit(OP_RETURN, f.checkKeep(c.results.length));
  else f.emitBranch(OP_BR, c);
  f.setUnreachable();
}

function brIf(f: FunctionCompiler): void {
  const c = f.label(f.r.u32("label index"));
  f.pop(I32);
  f.popAll(f.labelTypes(c));
  f.pushAll(f.labelTypes(c));
  f.emitBranch(OP_BR_IF, c);
}

/** `br_table`: `OP_BR_TABLE n`, then one `OP_TABLE_ENTRY` per target and the default. */
function brTable(f: FunctionCompiler): void {
  const r = f.r;
  const n = r.u32("br_table label count");
  const depths: number[] = [];
  for (let i = 0; i <= n; i++) {
    if (r.pos >= r.end) r.byte("br_table label"); // throws: truncated
    depths.push(r.u32("br_table label"));
  }
  f.pop(I32);
  const arity = f.labelTypes(f.label(depths[n]!)).length; // the default: the loop read n + 1 labels
  for (const d of depths) {
    const ts = f.labelTypes(f.label(d));
    if (ts.length !== arity) f.invalid("type mismatch: br_table targets have different arities");
    // Check operand types against each target without consuming them.
    const saved = f.vals.slice();
    f.popAll(ts);
    f.vals.length = 0;
    f.vals.push(...saved);
  }
  f.code.emit(OP_BR_TABLE, n);
  for (const d of depths) f.emitBranch(OP_TABLE_ENTRY, f.label(d));
  f.setUnreachable();
}

function ret(f: FunctionCompiler): void {
  f.popAll(f.type.results);
  f.code.emit(OP_RETURN, f.checkKeep(f.type.results.length));
  f.setUnreachable();
}

function call(f: FunctionCompiler): void {
  const callee = f.r.u32("function index");
  if (callee >= f.m.funcTypes.length) f.invalid(`unknown function ${callee}`);
  const t = f.m.types[f.m.funcTypes[callee]!]!; // the function section checked each type index
  f.popAll(t.params);
  f.pushAll(t.results);
  f.module.callFixups.push(f.code.emit(OP_CALL, callee));
}

function callIndirect(f: FunctionCompiler): void {
  const r = f.r;
  const ti = r.u32("type index");
  const tableAt = r.pos;
  const table = r.u32("table index");
  if (table !== 0) throw new WasmUnsupportedError("reference types: call_indirect on a table other than 0", tableAt);
  if (!f.m.table) f.invalid("unknown table 0");
  const t = f.m.types[ti];
  if (t === undefined) f.invalid(`unknown type ${ti}`);
  f.pop(I32);
  f.popAll(t.params);
  f.pushAll(t.results);
  f.code.emit(OP_CALL_INDIRECT, f.module.canonicalType[ti]);
}
