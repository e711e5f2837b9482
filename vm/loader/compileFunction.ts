import { ByteReader } from "../../common/ByteReader.ts";
import { CodeBuffer } from "./CodeBuffer.ts";
import { readValType } from "./decodeModule.ts";
import { refusedFcOpcode, refusedOpcode } from "./unsupported.ts";
import { WasmInvalidError, WasmMalformedError, WasmUnsupportedError } from "../errors.ts";

/** The most values a branch or return may carry (docs/protocol.md §5.3, "Bounded work"). */
export const MAX_KEEP = 4;
import { I32, I64, UNKNOWN, type FuncType, type ValType, type WasmModule } from "./WasmModule.ts";
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

/** Most locals (params included) of one function. */
export const MAX_LOCALS = 50000;

type T = ValType | typeof UNKNOWN;

interface Ctrl {
  /** 0x02 block, 0x03 loop, 0x04 if, 0x05 else, 0x00 function */
  kind: number;
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

/** Per-function facts the compiler and the machine need. */
export interface CompiledFunc {
  entryPc: number;
  nparams: number;
  nresults: number;
  /** Slots the frame may use: locals + the deepest operand stack. */
  frameSize: number;
}

// Numeric opcodes in the subset: opcode → [operand types, result type].
const NUMERIC = new Map<number, [ValType[], ValType]>();
{
  const set = (from: number, to: number, params: ValType[], result: ValType) => {
    for (let op = from; op <= to; op++) NUMERIC.set(op, [params, result]);
  };
  set(0x45, 0x45, [I32], I32);
  set(0x46, 0x4f, [I32, I32], I32);
  set(0x50, 0x50, [I64], I32);
  set(0x51, 0x5a, [I64, I64], I32);
  set(0x67, 0x69, [I32], I32);
  set(0x6a, 0x78, [I32, I32], I32);
  set(0x79, 0x7b, [I64], I64);
  set(0x7c, 0x8a, [I64, I64], I64);
  set(0xa7, 0xa7, [I64], I32);
  set(0xac, 0xad, [I32], I64);
  set(0xc0, 0xc1, [I32], I32);
  set(0xc2, 0xc4, [I64], I64);
}

// Memory opcodes: opcode → [value type, access width in bytes, is store].
const MEMORY = new Map<number, [ValType, number, boolean]>([
  [0x28, [I32, 4, false]],
  [0x29, [I64, 8, false]],
  [0x2c, [I32, 1, false]],
  [0x2d, [I32, 1, false]],
  [0x2e, [I32, 2, false]],
  [0x2f, [I32, 2, false]],
  [0x30, [I64, 1, false]],
  [0x31, [I64, 1, false]],
  [0x32, [I64, 2, false]],
  [0x33, [I64, 2, false]],
  [0x34, [I64, 4, false]],
  [0x35, [I64, 4, false]],
  [0x36, [I32, 4, true]],
  [0x37, [I64, 8, true]],
  [0x3a, [I32, 1, true]],
  [0x3b, [I32, 2, true]],
  [0x3c, [I64, 1, true]],
  [0x3d, [I64, 2, true]],
  [0x3e, [I64, 4, true]],
]);

function typeName(t: T): string {
  return t === I32 ? "i32" : t === I64 ? "i64" : "any";
}

/**
 * Validates one function body and appends its flat code to `code`.
 * Calls are emitted with the callee's index in `a`; `callFixups` collects them for the linker.
 */
export function compileFunction(
  m: WasmModule,
  funcIndex: number,
  canonicalType: number[],
  code: CodeBuffer,
  callFixups: number[],
): CompiledFunc {
  const type = m.types[m.funcTypes[funcIndex]];
  const body = m.bodies[funcIndex];
  const r = new ByteReader(m.bytes, body.start, body.end);
  const locals: ValType[] = [...type.params];
  const entryPc = code.pc;

  const ngroups = r.u32("local declaration count");
  for (let g = 0; g < ngroups; g++) {
    const at = r.pos;
    const n = r.u32("local count");
    if (locals.length + n > MAX_LOCALS)
      throw new WasmMalformedError(`too many locals: more than ${MAX_LOCALS} in function ${funcIndex}`, at);
    const t = readValType(r, "local type");
    for (let i = 0; i < n; i++) {
      locals.push(t);
      code.emit(0x42, 0, 0); // i64.const 0: zero the local's slot
    }
  }
  const nlocals = locals.length;

  const vals: T[] = [];
  const ctrls: Ctrl[] = [];
  let maxHeight = 0;
  let opAt = 0;

  const invalid = (msg: string): never => {
    throw new WasmInvalidError(`${msg} in function ${funcIndex}`, opAt);
  };
  const push = (t: T) => {
    vals.push(t);
    if (vals.length > maxHeight) maxHeight = vals.length;
  };
  const pop = (expect?: ValType): T => {
    const c = ctrls[ctrls.length - 1];
    if (vals.length === c.height) {
      if (c.unreachable) return expect ?? UNKNOWN;
      invalid(`type mismatch: expected ${expect ? typeName(expect) : "a value"} but the stack is empty`);
    }
    const t = vals.pop()!;
    if (expect !== undefined && t !== UNKNOWN && t !== expect)
      invalid(`type mismatch: expected ${typeName(expect)}, got ${typeName(t)}`);
    return t;
  };
  const popAll = (ts: ValType[]) => {
    for (let i = ts.length - 1; i >= 0; i--) pop(ts[i]);
  };
  const pushAll = (ts: ValType[]) => ts.forEach(push);
  const pushCtrl = (kind: number, params: ValType[], results: ValType[]): Ctrl => {
    const c: Ctrl = {
      kind,
      params,
      results,
      height: vals.length,
      unreachable: false,
      startPc: code.pc,
      fixups: [],
      elseFixup: -1,
    };
    ctrls.push(c);
    pushAll(params);
    return c;
  };
  const popCtrl = (): Ctrl => {
    const c = ctrls[ctrls.length - 1];
    popAll(c.results);
    if (vals.length !== c.height)
      invalid(`type mismatch: ${vals.length - c.height} values left on the stack at the end of a block`);
    ctrls.pop();
    return c;
  };
  const setUnreachable = () => {
    const c = ctrls[ctrls.length - 1];
    vals.length = c.height;
    c.unreachable = true;
  };
  /** A branch or return moves `keep` values, one read and one write each: cap it so a step stays bounded. */
  const checkKeep = (keep: number) => {
    if (keep > MAX_KEEP)
      throw new WasmUnsupportedError(
        `multi-value: a branch or return carrying ${keep} values (at most ${MAX_KEEP}, to bound one step's work)`,
        opAt,
        `in function ${funcIndex}`,
      );
    return keep;
  };
  const labelTypes = (c: Ctrl) => (c.kind === 0x03 ? c.params : c.results);
  const label = (depth: number): Ctrl => {
    if (depth >= ctrls.length) invalid(`unknown label ${depth}`);
    return ctrls[ctrls.length - 1 - depth];
  };
  /** Emits a branch to `c` taken with the current stack; `op` is OP_BR, OP_BR_IF or OP_TABLE_ENTRY. */
  const emitBranch = (op: number, c: Ctrl) => {
    const keep = checkKeep(labelTypes(c).length);
    const drop = Math.max(0, vals.length - c.height - keep);
    const target = c.kind === 0x03 ? c.startPc : -1;
    const pc = code.emit(op, target, keep, drop);
    if (c.kind !== 0x03) c.fixups.push(pc);
  };
  const blockType = (): [ValType[], ValType[]] => {
    const at = r.pos;
    const b = r.bytes[r.pos];
    if (r.pos < r.end && b === 0x40) {
      r.pos++;
      return [[], []];
    }
    if (r.pos < r.end && (b === I32 || b === I64 || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f))
      return [[], [readValType(r, "block type")]];
    const idx = r.s33("block type index");
    if (idx < 0 || idx >= m.types.length)
      throw new WasmInvalidError(`unknown type ${idx} as block type in function ${funcIndex}`, at);
    const t = m.types[idx];
    return [t.params, t.results];
  };
  const memarg = (width: number) => {
    const at = r.pos;
    const align = r.u32("memory alignment");
    const offset = r.u32("memory offset");
    if (!m.memory) throw new WasmInvalidError(`unknown memory 0 in function ${funcIndex}`, at);
    if (align >= 32) throw new WasmMalformedError("malformed memop flags (alignment)", at);
    if (2 ** align > width)
      throw new WasmInvalidError(`alignment must not be larger than natural in function ${funcIndex}`, at);
    return offset;
  };

  pushCtrl(0x00, [], type.results);
  while (ctrls.length > 0) {
    opAt = r.pos;
    const op = r.byte("opcode (function body without end)");
    const numeric = NUMERIC.get(op);
    if (numeric) {
      popAll(numeric[0]);
      push(numeric[1]);
      code.emit(op);
      continue;
    }
    const mem = MEMORY.get(op);
    if (mem) {
      const offset = memarg(mem[1]);
      if (mem[2]) {
        pop(mem[0]);
        pop(I32);
      } else {
        pop(I32);
        push(mem[0]);
      }
      code.emit(op, offset);
      continue;
    }
    switch (op) {
      case 0x00:
        code.emit(OP_TRAP);
        setUnreachable();
        break;
      case 0x01:
        break; // nop compiles to nothing
      case 0x02:
      case 0x03: {
        const [params, results] = blockType();
        popAll(params);
        pushCtrl(op, params, results);
        break;
      }
      case 0x04: {
        const [params, results] = blockType();
        pop(I32);
        popAll(params);
        const c = pushCtrl(op, params, results);
        c.elseFixup = code.emit(OP_BR_UNLESS, -1);
        break;
      }
      case 0x05: {
        const c = ctrls[ctrls.length - 1];
        if (c.kind !== 0x04) invalid("else without a matching if");
        popAll(c.results);
        if (vals.length !== c.height) invalid("type mismatch: values left on the stack before else");
        c.fixups.push(code.emit(OP_BR, -1, 0, 0));
        code.patch(c.elseFixup, 1, code.pc);
        c.elseFixup = -1;
        c.kind = 0x05;
        c.unreachable = false;
        pushAll(c.params);
        break;
      }
      case 0x0b: {
        const c = popCtrl();
        if (c.kind === 0x04) {
          if (c.params.length !== c.results.length || c.params.some((t, i) => t !== c.results[i]))
            invalid("type mismatch: if without else must leave its parameters unchanged");
        }
        if (c.kind === 0x00) {
          for (const f of c.fixups) code.patch(f, 1, code.pc);
          code.emit(OP_RETURN, checkKeep(c.results.length));
          break;
        }
        if (c.elseFixup >= 0) code.patch(c.elseFixup, 1, code.pc);
        for (const f of c.fixups) code.patch(f, 1, code.pc);
        pushAll(c.results);
        break;
      }
      case 0x0c: {
        const c = label(r.u32("label index"));
        popAll(labelTypes(c));
        pushAll(labelTypes(c));
        if (c.kind === 0x00) code.emit(OP_RETURN, checkKeep(c.results.length));
        else emitBranch(OP_BR, c);
        setUnreachable();
        break;
      }
      case 0x0d: {
        const c = label(r.u32("label index"));
        pop(I32);
        popAll(labelTypes(c));
        pushAll(labelTypes(c));
        emitBranch(OP_BR_IF, c);
        break;
      }
      case 0x0e: {
        const n = r.u32("br_table label count");
        const depths: number[] = [];
        for (let i = 0; i <= n; i++) {
          if (r.pos >= r.end) r.byte("br_table label"); // throws: truncated
          depths.push(r.u32("br_table label"));
        }
        pop(I32);
        const dflt = label(depths[n]);
        const arity = labelTypes(dflt).length;
        for (const d of depths) {
          const c = label(d);
          const ts = labelTypes(c);
          if (ts.length !== arity) invalid("type mismatch: br_table targets have different arities");
          // Check operand types against each target without consuming them.
          const saved = vals.slice();
          popAll(ts);
          vals.length = 0;
          vals.push(...saved);
        }
        code.emit(OP_BR_TABLE, n);
        for (const d of depths) emitBranch(OP_TABLE_ENTRY, label(d));
        setUnreachable();
        break;
      }
      case 0x0f: {
        popAll(type.results);
        code.emit(OP_RETURN, checkKeep(type.results.length));
        setUnreachable();
        break;
      }
      case 0x10: {
        const f = r.u32("function index");
        if (f >= m.funcTypes.length) invalid(`unknown function ${f}`);
        const t = m.types[m.funcTypes[f]];
        popAll(t.params);
        pushAll(t.results);
        callFixups.push(code.emit(OP_CALL, f));
        break;
      }
      case 0x11: {
        const ti = r.u32("type index");
        const tAt = r.pos;
        const table = r.u32("table index");
        if (table !== 0) throw new WasmUnsupportedError("reference types: call_indirect on a table other than 0", tAt);
        if (!m.table) invalid("unknown table 0");
        if (ti >= m.types.length) invalid(`unknown type ${ti}`);
        const t = m.types[ti];
        pop(I32);
        popAll(t.params);
        pushAll(t.results);
        code.emit(OP_CALL_INDIRECT, canonicalType[ti]);
        break;
      }
      case 0x1a:
        pop();
        code.emit(op);
        break;
      case 0x1b:
      case 0x1c: {
        let declared: ValType | null = null;
        if (op === 0x1c) {
          const n = r.u32("select type count");
          if (n !== 1) invalid("invalid result arity for typed select");
          declared = readValType(r, "select type");
        }
        pop(I32);
        const t1 = pop(declared ?? undefined);
        const t2 = pop(declared ?? undefined);
        if (t1 !== UNKNOWN && t2 !== UNKNOWN && t1 !== t2) invalid("type mismatch: select operands differ");
        push(declared ?? (t1 === UNKNOWN ? t2 : t1));
        code.emit(0x1b);
        break;
      }
      case 0x20:
      case 0x21:
      case 0x22: {
        const i = r.u32("local index");
        if (i >= nlocals) invalid(`unknown local ${i}`);
        if (op === 0x20) push(locals[i]);
        else if (op === 0x21) pop(locals[i]);
        else {
          pop(locals[i]);
          push(locals[i]);
        }
        code.emit(op, i);
        break;
      }
      case 0x23:
      case 0x24: {
        const i = r.u32("global index");
        if (i >= m.globals.length) invalid(`unknown global ${i}`);
        const g = m.globals[i];
        if (op === 0x23) push(g.type);
        else {
          if (!g.mutable) invalid(`global is immutable: global ${i}`);
          pop(g.type);
        }
        code.emit(op, i);
        break;
      }
      case 0x3f:
      case 0x40: {
        const at = r.pos;
        const zero = r.byte("memory index");
        if (zero !== 0) throw new WasmMalformedError("zero byte expected (memory index of memory.size/grow)", at);
        if (!m.memory) invalid("unknown memory 0");
        if (op === 0x40) pop(I32);
        push(I32);
        code.emit(op);
        break;
      }
      case 0x41:
        code.emit(op, r.s32("i32 constant"));
        push(I32);
        break;
      case 0x42: {
        const [lo, hi] = r.s64("i64 constant");
        code.emit(op, lo, hi);
        push(I64);
        break;
      }
      case 0xfc: {
        const sub = r.u32("0xfc sub-opcode");
        throw new WasmUnsupportedError(refusedFcOpcode(sub), opAt, `in function ${funcIndex}`);
      }
      default: {
        const refused = refusedOpcode(op);
        if (refused) throw new WasmUnsupportedError(refused, opAt, `in function ${funcIndex}`);
        throw new WasmMalformedError(`illegal opcode 0x${op.toString(16)} in function ${funcIndex}`, opAt);
      }
    }
  }
  if (r.pos !== r.end)
    throw new WasmMalformedError(`section size mismatch: bytes after the end of function ${funcIndex}`, r.pos);
  return { entryPc, nparams: type.params.length, nresults: type.results.length, frameSize: nlocals + maxHeight };
}

export type { FuncType };
