/**
 * Validation of one function body (WASM 2.0 rules) and its compilation to flat instructions, one
 * instruction at a time, by the opcode table's row for each byte: control instructions in
 * compileControl.ts, every other class here. A byte with no row is refused (unsupported.ts).
 */
import type { CodeBuffer } from "./CodeBuffer.ts";
import { compileControl } from "./compileControl.ts";
import { FunctionCompiler, type ModuleCompilation } from "./FunctionCompiler.ts";
import { readValType } from "./readValType.ts";
import { refusedFcOpcode, refusedOpcode } from "./unsupported.ts";
import { WasmMalformedError } from "../errors.ts";
import { wasmOpcode, type OpcodeSpec } from "../opcodeTable.ts";
import { I32, I64, UNKNOWN, type ValType, type WasmModule } from "./WasmModule.ts";
import {
  OP_GLOBAL_GET,
  OP_I32_CONST,
  OP_I64_CONST,
  OP_LOCAL_GET,
  OP_LOCAL_SET,
  OP_LOCAL_TEE,
  OP_MEMORY_GROW,
  OP_SELECT,
} from "../layout.ts";

/** Most locals (params included) of one function. */
export const MAX_LOCALS = 50000;

/** Per-function facts the compiler and the machine need. */
export interface CompiledFunc {
  entryPc: number;
  nparams: number;
  nresults: number;
  /** Slots the frame may use: locals + the deepest operand stack. */
  frameSize: number;
}

/**
 * Validates one function body and appends its flat code to `code`. Calls are emitted with the
 * callee's index in `a` (`mc.callFixups` collects them for the linker); every opcode is counted.
 */
export function compileFunction(
  m: WasmModule,
  funcIndex: number,
  code: CodeBuffer,
  mc: ModuleCompilation,
): CompiledFunc {
  const f = new FunctionCompiler(m, funcIndex, code, mc);
  const entryPc = code.pc;
  declareLocals(f);
  f.pushCtrl("function", [], f.type.results);
  while (f.ctrls.length > 0) {
    f.opAt = f.r.pos;
    const op = f.r.byte("opcode (function body without end)");
    const spec = wasmOpcode(op);
    if (!spec) refuse(f, op);
    else if (spec.kind === "control") compileControl(f, spec);
    else compileInstruction(f, spec);
    mc.opcodeCounts[op]!++; // one counter per byte value
  }
  if (f.r.pos !== f.r.end)
    throw new WasmMalformedError(`section size mismatch: bytes after the end of function ${funcIndex}`, f.r.pos);
  const { params, results } = f.type;
  return { entryPc, nparams: params.length, nresults: results.length, frameSize: f.locals.length + f.maxHeight };
}

/** The body's local declarations: each local joins the frame and its prologue zeroes its slot. */
function declareLocals(f: FunctionCompiler): void {
  const r = f.r;
  const ngroups = r.u32("local declaration count");
  for (let g = 0; g < ngroups; g++) {
    const at = r.pos;
    const n = r.u32("local count");
    if (f.locals.length + n > MAX_LOCALS)
      throw new WasmMalformedError(`too many locals: more than ${MAX_LOCALS} in function ${f.funcIndex}`, at);
    const t = readValType(r, "local type");
    for (let i = 0; i < n; i++) {
      f.locals.push(t);
      f.code.emit(OP_I64_CONST, 0, 0); // zero the local's slot
    }
  }
}

/** Throws the refusal of a byte the opcode table does not have: unsupported, or not an opcode. */
function refuse(f: FunctionCompiler, op: number): never {
  const refusal = op === 0xfc ? refusedFcOpcode(f.r.u32("0xfc sub-opcode")) : refusedOpcode(op);
  if (refusal) f.unsupported(refusal.feature, refusal.instruction);
  throw new WasmMalformedError(`illegal opcode 0x${op.toString(16)} in function ${f.funcIndex}`, f.opAt);
}

/** Every instruction but the control ones, by its class. */
function compileInstruction(f: FunctionCompiler, spec: OpcodeSpec): void {
  switch (spec.kind) {
    case "load":
    case "store":
      return memoryAccess(f, spec);
    case "parametric":
      return parametric(f, spec);
    case "variable":
      return variable(f, spec.op);
    case "memory":
      return memoryPages(f, spec.op);
    case "const":
      return constant(f, spec.op);
    default:
      return numeric(f, spec);
  }
}

/** A numeric instruction: pops its operands, pushes its result (the table's signature). */
function numeric(f: FunctionCompiler, spec: OpcodeSpec): void {
  f.popAll(spec.params);
  f.pushAll(spec.results);
  f.code.emit(spec.op);
}

/** A load or store: `a` is the memarg's offset. */
function memoryAccess(f: FunctionCompiler, spec: OpcodeSpec): void {
  const offset = f.memarg(spec.width);
  f.popAll(spec.params);
  f.pushAll(spec.results);
  f.code.emit(spec.op, offset);
}

/** `drop`, and `select` in both forms (the typed one compiles to `select`). */
function parametric(f: FunctionCompiler, spec: OpcodeSpec): void {
  if (spec.wasm === "drop") {
    f.pop();
    f.code.emit(spec.op);
    return;
  }
  let declared: ValType | null = null;
  if (spec.wasm === "select t") {
    const n = f.r.u32("select type count");
    if (n !== 1) f.invalid("invalid result arity for typed select");
    declared = readValType(f.r, "select type");
  }
  f.pop(I32);
  const t1 = f.pop(declared ?? undefined);
  const t2 = f.pop(declared ?? undefined);
  if (t1 !== UNKNOWN && t2 !== UNKNOWN && t1 !== t2) f.invalid("type mismatch: select operands differ");
  f.push(declared ?? (t1 === UNKNOWN ? t2 : t1));
  f.code.emit(OP_SELECT);
}

/** `local.get/set/tee` and `global.get/set`: `a` is the index. */
function variable(f: FunctionCompiler, op: number): void {
  if (op === OP_LOCAL_GET || op === OP_LOCAL_SET || op === OP_LOCAL_TEE) {
    const i = f.r.u32("local index");
    const t = f.locals[i];
    if (t === undefined) f.invalid(`unknown local ${i}`);
    if (op !== OP_LOCAL_GET) f.pop(t);
    if (op !== OP_LOCAL_SET) f.push(t);
    f.code.emit(op, i);
    return;
  }
  const i = f.r.u32("global index");
  const g = f.m.globals[i];
  if (g === undefined) f.invalid(`unknown global ${i}`);
  if (op === OP_GLOBAL_GET) f.push(g.type);
  else {
    if (!g.mutable) f.invalid(`global is immutable: global ${i}`);
    f.pop(g.type);
  }
  f.code.emit(op, i);
}

/** `memory.size` and `memory.grow` (memory index 0). */
function memoryPages(f: FunctionCompiler, op: number): void {
  const at = f.r.pos;
  const zero = f.r.byte("memory index");
  if (zero !== 0) throw new WasmMalformedError("zero byte expected (memory index of memory.size/grow)", at);
  if (!f.m.memory) f.invalid("unknown memory 0");
  if (op === OP_MEMORY_GROW) f.pop(I32);
  f.push(I32);
  f.code.emit(op);
}

/** `i32.const` (`a`) and `i64.const` (`a` low, `b` high word). */
function constant(f: FunctionCompiler, op: number): void {
  if (op === OP_I32_CONST) {
    f.code.emit(op, f.r.s32("i32 constant"));
    f.push(I32);
  } else {
    const [lo, hi] = f.r.s64("i64 constant");
    f.code.emit(op, lo, hi);
    f.push(I64);
  }
}
