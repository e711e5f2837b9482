import { ByteReader } from "../../common/ByteReader.ts";
import type { CodeBuffer } from "./CodeBuffer.ts";
import { readValType } from "./readValType.ts";
import { WasmInvalidError, WasmMalformedError, WasmUnsupportedError } from "../errors.ts";
import { I32, I64, UNKNOWN, type FuncType, type ValType, type WasmModule } from "./WasmModule.ts";

/** The most values a branch or return may carry (docs/protocol.md §5.3, "Bounded work"). */
export const MAX_KEEP = 4;

/** An operand type during validation: a value type, or unknown in unreachable code. */
export type T = ValType | typeof UNKNOWN;

/** What opened a block: the function itself, or a WASM block instruction (`else` replaces `if`). */
export type CtrlKind = "function" | "block" | "loop" | "if" | "else";

/** An open block of the function being compiled (WASM validation's control frame). */
export interface Ctrl {
  kind: CtrlKind;
  params: ValType[];
  results: ValType[];
  /** Operand stack height (above the locals) at entry, params excluded. */
  height: number;
  unreachable: boolean;
  /** Loop: the branch target. */
  startPc: number;
  /** Instructions whose `a` field is patched to the end pc. */
  fixups: number[];
  /** If: the BR_UNLESS to patch with the else/end pc. */
  elseFixup: number;
}

/** What the functions of one module share while they are compiled (loadProgram.ts links them). */
export interface ModuleCompilation {
  /** The canonical type id of each type index: `call_indirect`'s `a`. */
  canonicalType: number[];
  /** The pcs of the `OP_CALL`s emitted, each with the callee's index in `a`, for the linker. */
  callFixups: number[];
  /** How often each WASM opcode byte occurs in the code section. */
  opcodeCounts: Uint32Array;
}

export function typeName(t: T): string {
  return t === I32 ? "i32" : t === I64 ? "i64" : "any";
}

/**
 * The state of one function body being validated and compiled: the byte reader, the operand and
 * control stacks of WASM validation, and the flat code being emitted. Instruction compilers
 * (compileFunction.ts, compileControl.ts) drive it.
 */
export class FunctionCompiler {
  readonly r: ByteReader;
  readonly type: FuncType;
  readonly locals: ValType[];
  readonly vals: T[] = [];
  readonly ctrls: Ctrl[] = [];
  /** The deepest operand stack seen: with the locals, the frame a call must leave room for. */
  maxHeight = 0;
  /** Byte offset of the instruction being compiled, for errors. */
  opAt = 0;

  constructor(
    readonly m: WasmModule,
    readonly funcIndex: number,
    readonly code: CodeBuffer,
    readonly module: ModuleCompilation,
  ) {
    this.type = m.types[m.funcTypes[funcIndex]!]!; // the function section checked each type index
    const body = m.bodies[funcIndex]!; // decodeModule read one body per function
    this.r = new ByteReader(m.bytes, body.start, body.end);
    this.locals = [...this.type.params];
  }

  invalid(msg: string): never {
    throw new WasmInvalidError(`${msg} in function ${this.funcIndex}`, this.opAt);
  }

  unsupported(feature: string, instruction?: string): never {
    throw new WasmUnsupportedError(feature, this.opAt, `in function ${this.funcIndex}`, instruction);
  }

  push(t: T): void {
    this.vals.push(t);
    if (this.vals.length > this.maxHeight) this.maxHeight = this.vals.length;
  }

  pop(expect?: ValType): T {
    const c = this.top;
    if (this.vals.length === c.height) {
      if (c.unreachable) return expect ?? UNKNOWN;
      this.invalid(`type mismatch: expected ${expect ? typeName(expect) : "a value"} but the stack is empty`);
    }
    const t = this.vals.pop()!;
    if (expect !== undefined && t !== UNKNOWN && t !== expect)
      this.invalid(`type mismatch: expected ${typeName(expect)}, got ${typeName(t)}`);
    return t;
  }

  popAll(ts: ValType[]): void {
    for (let i = ts.length - 1; i >= 0; i--) this.pop(ts[i]);
  }

  pushAll(ts: ValType[]): void {
    ts.forEach((t) => this.push(t));
  }

  /** The innermost open block. */
  get top(): Ctrl {
    return this.ctrls[this.ctrls.length - 1]!; // compileFunction stops once the function's own block closes
  }

  pushCtrl(kind: CtrlKind, params: ValType[], results: ValType[]): Ctrl {
    const c: Ctrl = {
      kind,
      params,
      results,
      height: this.vals.length,
      unreachable: false,
      startPc: this.code.pc,
      fixups: [],
      elseFixup: -1,
    };
    this.ctrls.push(c);
    this.pushAll(params);
    return c;
  }

  popCtrl(): Ctrl {
    const c = this.top;
    this.popAll(c.results);
    if (this.vals.length !== c.height)
      this.invalid(`type mismatch: ${this.vals.length - c.height} values left on the stack at the end of a block`);
    this.ctrls.pop();
    return c;
  }

  /** The rest of the block is unreachable: its operand stack is polymorphic. */
  setUnreachable(): void {
    this.vals.length = this.top.height;
    this.top.unreachable = true;
  }

  /** A branch or return moves `keep` values, one read and one write each: cap it so a step stays bounded. */
  checkKeep(keep: number): number {
    if (keep > MAX_KEEP)
      this.unsupported(
        `multi-value: a branch or return carrying ${keep} values (at most ${MAX_KEEP}, to bound one step's work)`,
      );
    return keep;
  }

  /** The values a branch to `c` carries: a loop's parameters, any other block's results. */
  labelTypes(c: Ctrl): ValType[] {
    return c.kind === "loop" ? c.params : c.results;
  }

  /** The block a branch of label `depth` targets. */
  label(depth: number): Ctrl {
    const c = this.ctrls[this.ctrls.length - 1 - depth];
    if (c === undefined) this.invalid(`unknown label ${depth}`);
    return c;
  }

  /** Emits a branch to `c` taken with the current stack; `op` is OP_BR, OP_BR_IF or OP_TABLE_ENTRY. */
  emitBranch(op: number, c: Ctrl): void {
    const keep = this.checkKeep(this.labelTypes(c).length);
    const drop = Math.max(0, this.vals.length - c.height - keep);
    const target = c.kind === "loop" ? c.startPc : -1;
    const pc = this.code.emit(op, target, keep, drop);
    if (c.kind !== "loop") c.fixups.push(pc);
  }

  /** A block type immediate: its parameter and result types. */
  blockType(): [ValType[], ValType[]] {
    const r = this.r;
    const at = r.pos;
    const b = r.bytes[r.pos];
    if (r.pos < r.end && b === 0x40) {
      r.pos++;
      return [[], []];
    }
    if (r.pos < r.end && (b === I32 || b === I64 || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f))
      return [[], [readValType(r, "block type")]];
    const idx = r.s33("block type index");
    const t = this.m.types[idx];
    if (t === undefined)
      throw new WasmInvalidError(`unknown type ${idx} as block type in function ${this.funcIndex}`, at);
    return [t.params, t.results];
  }

  /** A memory access immediate (alignment checked against `width`): its offset. */
  memarg(width: number): number {
    const r = this.r;
    const at = r.pos;
    const align = r.u32("memory alignment");
    const offset = r.u32("memory offset");
    if (!this.m.memory) throw new WasmInvalidError(`unknown memory 0 in function ${this.funcIndex}`, at);
    if (align >= 32) throw new WasmMalformedError("malformed memop flags (alignment)", at);
    if (2 ** align > width)
      throw new WasmInvalidError(`alignment must not be larger than natural in function ${this.funcIndex}`, at);
    return offset;
  }
}
