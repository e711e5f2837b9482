/**
 * The reference step: executes one instruction, reading and writing memory only through 32-byte
 * leaves. This is the slow truth the fast interpreter (vm/execute.ts) is diffed against.
 * contracts/src/vm/StepVerifier.sol is its mirror: the same functions, in the same order, under the
 * same names (`execute`, `decode`, `control`, `callIndirect`, `call`, `adjust`, `parametric`,
 * `variable`, `memoryPages`, `constant`, `load`, `loadSpec`, `store`, `numeric`, and the slot
 * helpers), with vm/bits.ts beside VmBits.sol. Where the contract reads a leaf through its proof
 * (`_readIn`, `_readMem`), this file calls the leaf memory's `read` (vm/stepMemory.ts).
 */
import type { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import { TreeMemory, type LeafAccess, type StepMemory } from "./stepMemory.ts";
import type { Registers } from "./witness.ts";
import { binary, clz, compare, ctz, popcnt, s32, signExtend } from "./bits.ts";
import { flatOpcode } from "./opcodeTable.ts";
import { I64 } from "./loader/WasmModule.ts";
import {
  CALL_BASE,
  CODE_BASE,
  FRAME_BYTES,
  FUNC_BASE,
  FUNC_BYTES,
  GLOBAL_BASE,
  INSTR_BYTES,
  MAX_CALL_DEPTH,
  OP_BR,
  OP_BR_IF,
  OP_BR_TABLE,
  OP_BR_UNLESS,
  OP_CALL,
  OP_CALL_INDIRECT,
  OP_DROP,
  OP_GLOBAL_GET,
  OP_GLOBAL_SET,
  OP_HALT,
  OP_I32_ADD,
  OP_I32_CLZ,
  OP_I32_CONST,
  OP_I32_CTZ,
  OP_I32_EQ,
  OP_I32_EQZ,
  OP_I32_EXTEND16_S,
  OP_I32_EXTEND8_S,
  OP_I32_GE_U,
  OP_I32_LOAD,
  OP_I32_POPCNT,
  OP_I32_ROTR,
  OP_I32_STORE,
  OP_I32_WRAP_I64,
  OP_I64_ADD,
  OP_I64_CLZ,
  OP_I64_CONST,
  OP_I64_CTZ,
  OP_I64_EQ,
  OP_I64_EQZ,
  OP_I64_EXTEND32_S,
  OP_I64_EXTEND8_S,
  OP_I64_EXTEND_I32_S,
  OP_I64_EXTEND_I32_U,
  OP_I64_GE_U,
  OP_I64_LOAD32_U,
  OP_I64_POPCNT,
  OP_I64_ROTR,
  OP_I64_STORE32,
  OP_LOCAL_GET,
  OP_LOCAL_SET,
  OP_LOCAL_TEE,
  OP_MEMORY_GROW,
  OP_MEMORY_SIZE,
  OP_RETURN,
  OP_SELECT,
  SLOT_BYTES,
  STACK_BASE,
  STACK_SLOTS,
  STATUS_HALTED,
  STATUS_RUNNING,
  STATUS_TRAPPED,
  TABLE_BASE,
  TABLE_ENTRY_BYTES,
} from "./layout.ts";

const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;
const PAGE_BYTES = 65536;

/** The registers and the leaf memory while a step runs (the contract's `State`). */
interface State extends Registers {
  mem: StepMemory;
}

/**
 * The reference step of the state (`regs`, `tree`), in place. Returns the ordered leaf accesses
 * when `withProofs`.
 */
export function step(regs: Registers, tree: SparseMerkleTree, withProofs = false): LeafAccess[] {
  const log: LeafAccess[] | null = withProofs ? [] : null;
  stepWith(regs, new TreeMemory(tree, log));
  return log ?? [];
}

/**
 * One step of `regs` over any leaf memory (a tree, or a one-step proof being replayed): a halted or
 * trapped state is a fixed point; a running one counts the step, and traps at the step cap or
 * executes the instruction at `pc` (the contract's `step`).
 */
export function stepWith(regs: Registers, mem: StepMemory): void {
  if (regs.status !== STATUS_RUNNING) return;
  const s: State = { ...regs, mem };
  const before = s.steps;
  s.steps = before + 1;
  if (before >= s.stepLimit) s.status = STATUS_TRAPPED;
  else execute(s);
  const { mem: _, ...after } = s;
  Object.assign(regs, after);
}

// ------------------------------------------------------------------ slots

const slotAddr = (i: number) => STACK_BASE + SLOT_BYTES * i;

function readSlot(s: State, i: number): bigint {
  return s.mem.read(slotAddr(i), SLOT_BYTES);
}

function writeSlot(s: State, i: number, v: bigint): void {
  s.mem.write(slotAddr(i), SLOT_BYTES, v);
}

/** Pushes `v` (taken modulo 2^64) as slot `sp`. */
function push(s: State, v: bigint): void {
  writeSlot(s, s.sp, BigInt.asUintN(64, v));
  s.sp += 1;
}

// ------------------------------------------------------------------ execution

/** Executes the instruction at `pc` of a running state under its step cap. */
function execute(s: State): void {
  const [op, a, b, c] = decode(s, s.pc);
  let ok = true;
  if (op >= OP_I32_EQZ && op <= OP_I64_EXTEND32_S) ok = numeric(s, op);
  else if (op >= OP_I32_LOAD && op <= OP_I64_LOAD32_U) ok = load(s, op, a >>> 0);
  else if (op >= OP_I32_STORE && op <= OP_I64_STORE32) ok = store(s, op, a >>> 0);
  else if (op === OP_I32_CONST || op === OP_I64_CONST) constant(s, op, a, b);
  else if (op >= OP_LOCAL_GET && op <= OP_GLOBAL_SET) variable(s, op, a);
  else if (op === OP_DROP || op === OP_SELECT) parametric(s, op);
  else if (op === OP_MEMORY_SIZE || op === OP_MEMORY_GROW) memoryPages(s, op);
  else return control(s, op, a, b, c);
  if (!ok) return trap(s);
  s.pc += 1;
}

/** The instruction at `pc`: its op (uint32) and `a`, `b`, `c` (int32, sign-extended). */
function decode(s: State, pc: number): [op: number, a: number, b: number, c: number] {
  const ins = s.mem.read(CODE_BASE + INSTR_BYTES * pc, INSTR_BYTES);
  return [Number(ins & M32), Number(s32(ins >> 32n)), Number(s32(ins >> 64n)), Number(s32(ins >> 96n))];
}

function trap(s: State): void {
  s.status = STATUS_TRAPPED;
}

/** The flat control instructions (docs/protocol.md §5.3): each sets `pc`, or the status, itself. */
function control(s: State, op: number, a: number, b: number, c: number): void {
  if (op === OP_BR) {
    adjust(s, b, c);
    s.pc = a;
  } else if (op === OP_BR_IF) {
    const v = readSlot(s, s.sp - 1) & M32;
    s.sp -= 1;
    if (v !== 0n) {
      adjust(s, b, c);
      s.pc = a;
    } else s.pc += 1;
  } else if (op === OP_BR_UNLESS) {
    const v = readSlot(s, s.sp - 1) & M32;
    s.sp -= 1;
    s.pc = v === 0n ? a : s.pc + 1;
  } else if (op === OP_BR_TABLE) {
    const i = Number(readSlot(s, s.sp - 1) & M32);
    s.sp -= 1;
    const [, target, keep, drop] = decode(s, s.pc + 1 + Math.min(i, a));
    adjust(s, keep, drop);
    s.pc = target;
  } else if (op === OP_RETURN) {
    if (s.depth === 0) return trap(s);
    for (let j = 0; j < a; j++) writeSlot(s, s.fp + j, readSlot(s, s.sp - a + j));
    s.sp = s.fp + a;
    s.depth -= 1;
    const f = s.mem.read(CALL_BASE + FRAME_BYTES * s.depth, FRAME_BYTES);
    s.pc = Number(f & M32);
    s.fp = Number(f >> 32n);
  } else if (op === OP_CALL) {
    if (!call(s, a, b, c)) trap(s);
  } else if (op === OP_CALL_INDIRECT) {
    if (!callIndirect(s, a)) trap(s);
  } else if (op === OP_HALT) {
    s.status = STATUS_HALTED;
  } else {
    trap(s); // OP_TRAP, OP_TABLE_ENTRY and every opcode the VM does not execute
  }
}

/**
 * Calls table entry `i` (slot `sp-1`) if its function's type is `typeId`; false (nothing changed)
 * when the entry is out of range or null, the type differs, or the call overflows.
 */
function callIndirect(s: State, typeId: number): boolean {
  const i = Number(readSlot(s, s.sp - 1) & M32);
  if (i >= s.tableSize) return false;
  const f = Number(s.mem.read(TABLE_BASE + TABLE_ENTRY_BYTES * i, TABLE_ENTRY_BYTES));
  if (f === 0xffffffff) return false;
  // the record is little-endian: entryPc, typeId, nparams, frameSize from the low word up
  const rec = s.mem.read(FUNC_BASE + FUNC_BYTES * f, FUNC_BYTES);
  if (Number(s32(rec >> 32n)) !== typeId) return false;
  s.sp -= 1;
  if (call(s, Number(rec & M32), Number((rec >> 64n) & M32), Number((rec >> 96n) & M32))) return true;
  s.sp += 1;
  return false;
}

/**
 * Pushes the call frame `(pc + 1, fp)` and enters `entry`; false (nothing changed) when the call
 * depth or the value stack would overflow.
 */
function call(s: State, entry: number, nparams: number, frameSize: number): boolean {
  const newFp = s.sp - nparams;
  if (s.depth >= MAX_CALL_DEPTH || newFp + frameSize > STACK_SLOTS) return false;
  s.mem.write(CALL_BASE + FRAME_BYTES * s.depth, FRAME_BYTES, (BigInt(s.fp) << 32n) | BigInt(s.pc + 1));
  s.depth += 1;
  s.fp = newFp;
  s.pc = entry;
  return true;
}

/** Moves the top `keep` slots down by `drop` slots (nothing when `drop` is 0). */
function adjust(s: State, keep: number, drop: number): void {
  if (drop === 0) return;
  const from = s.sp - keep;
  for (let j = 0; j < keep; j++) writeSlot(s, from - drop + j, readSlot(s, from + j));
  s.sp -= drop;
}

/** `drop` and `select`. */
function parametric(s: State, op: number): void {
  if (op === OP_DROP) {
    s.sp -= 1;
  } else {
    const cond = readSlot(s, s.sp - 1) & M32;
    const y = readSlot(s, s.sp - 2);
    const x = readSlot(s, s.sp - 3);
    s.sp -= 3;
    push(s, cond !== 0n ? x : y);
  }
}

const globalAddr = (a: number) => GLOBAL_BASE + SLOT_BYTES * a;

/** `local.get/set/tee` (slot `fp + a`) and `global.get/set` (global `a`). */
function variable(s: State, op: number, a: number): void {
  if (op === OP_LOCAL_GET) {
    push(s, readSlot(s, s.fp + a));
  } else if (op === OP_LOCAL_SET) {
    const v = readSlot(s, s.sp - 1);
    s.sp -= 1;
    writeSlot(s, s.fp + a, v);
  } else if (op === OP_LOCAL_TEE) {
    writeSlot(s, s.fp + a, readSlot(s, s.sp - 1));
  } else if (op === OP_GLOBAL_GET) {
    push(s, s.mem.read(globalAddr(a), SLOT_BYTES));
  } else {
    const v = readSlot(s, s.sp - 1);
    s.sp -= 1;
    s.mem.write(globalAddr(a), SLOT_BYTES, v);
  }
}

/** `memory.size` and `memory.grow` (−1 above `maxPages`; new pages are zero, never written). */
function memoryPages(s: State, op: number): void {
  if (op === OP_MEMORY_SIZE) return push(s, BigInt(s.pages));
  const delta = Number(readSlot(s, s.sp - 1) & M32);
  s.sp -= 1;
  const old = s.pages;
  if (old + delta > s.maxPages) {
    push(s, M32);
  } else {
    s.pages = old + delta;
    push(s, BigInt(old));
  }
}

/** `i32.const` (`a`) and `i64.const` (`a` low, `b` high word). */
function constant(s: State, op: number, a: number, b: number): void {
  if (op === OP_I32_CONST) push(s, BigInt(a >>> 0));
  else push(s, (BigInt(b >>> 0) << 32n) | BigInt(a >>> 0));
}

/** A load of `offset` past the address in slot `sp-1`; false on an out-of-bounds access (a trap). */
function load(s: State, op: number, offset: number): boolean {
  const [width, signed, is64] = loadSpec(op);
  if (width === 0) return false;
  const ea = Number(readSlot(s, s.sp - 1) & M32) + offset;
  if (ea + width > s.pages * PAGE_BYTES) return false;
  s.sp -= 1;
  let v = s.mem.read(ea, width);
  if (signed) v = signExtend(v, width);
  push(s, v & (is64 ? M64 : M32));
  return true;
}

/** A load's access from the opcode table: `width` bytes (0: not a load), sign-extended, to 64 bits. */
function loadSpec(op: number): [width: number, signed: boolean, is64: boolean] {
  const spec = flatOpcode(op);
  if (spec?.kind !== "load") return [0, false, false];
  return [spec.width, spec.signed, spec.results[0] === I64];
}

/** A store of slot `sp-1` at `offset` past the address in slot `sp-2`; false when out of bounds. */
function store(s: State, op: number, offset: number): boolean {
  const spec = flatOpcode(op);
  const width = spec?.kind === "store" ? spec.width : 0;
  if (width === 0) return false;
  const v = readSlot(s, s.sp - 1);
  const ea = Number(readSlot(s, s.sp - 2) & M32) + offset;
  if (ea + width > s.pages * PAGE_BYTES) return false;
  s.mem.write(ea, width, v);
  s.sp -= 2;
  return true;
}

/** The integer numeric instructions; false on a trap (division) or an opcode the VM does not execute. */
function numeric(s: State, op: number): boolean {
  // binary: read sp-1, sp-2; write sp-2
  if ((op >= OP_I32_ADD && op <= OP_I32_ROTR) || (op >= OP_I64_ADD && op <= OP_I64_ROTR)) {
    const is64 = op >= OP_I64_ADD;
    const mask = is64 ? M64 : M32;
    const y = readSlot(s, s.sp - 1) & mask;
    const x = readSlot(s, s.sp - 2) & mask;
    const [ok, r] = binary(is64 ? op - OP_I64_ADD : op - OP_I32_ADD, x, y, is64 ? 64 : 32);
    if (!ok) return false;
    s.sp -= 2;
    push(s, r & mask);
    return true;
  }
  // comparisons: read sp-1, sp-2; write sp-2
  if ((op >= OP_I32_EQ && op <= OP_I32_GE_U) || (op >= OP_I64_EQ && op <= OP_I64_GE_U)) {
    const is64 = op >= OP_I64_EQ;
    const mask = is64 ? M64 : M32;
    const y = readSlot(s, s.sp - 1) & mask;
    const x = readSlot(s, s.sp - 2) & mask;
    s.sp -= 2;
    push(s, compare(is64 ? op - OP_I64_EQ : op - OP_I32_EQ, x, y, is64 ? 64 : 32) ? 1n : 0n);
    return true;
  }
  // tests, unary, conversions: read sp-1; write sp-1
  let r: bigint;
  if (
    op === OP_I32_EQZ ||
    op === OP_I32_CLZ ||
    op === OP_I32_CTZ ||
    op === OP_I32_POPCNT ||
    op === OP_I32_EXTEND8_S ||
    op === OP_I32_EXTEND16_S
  ) {
    const x = readSlot(s, s.sp - 1) & M32;
    if (op === OP_I32_EQZ) r = x === 0n ? 1n : 0n;
    else if (op === OP_I32_CLZ) r = clz(x, 32);
    else if (op === OP_I32_CTZ) r = ctz(x, 32);
    else if (op === OP_I32_POPCNT) r = popcnt(x);
    else r = signExtend(x, 1 << (op - OP_I32_EXTEND8_S)) & M32; // 1 or 2 bytes
  } else if (
    op === OP_I64_EQZ ||
    op === OP_I64_CLZ ||
    op === OP_I64_CTZ ||
    op === OP_I64_POPCNT ||
    op === OP_I32_WRAP_I64 ||
    op === OP_I64_EXTEND_I32_S ||
    op === OP_I64_EXTEND_I32_U ||
    (op >= OP_I64_EXTEND8_S && op <= OP_I64_EXTEND32_S)
  ) {
    const x = readSlot(s, s.sp - 1);
    if (op === OP_I64_EQZ) r = x === 0n ? 1n : 0n;
    else if (op === OP_I64_CLZ) r = clz(x, 64);
    else if (op === OP_I64_CTZ) r = ctz(x, 64);
    else if (op === OP_I64_POPCNT) r = popcnt(x);
    else if (op === OP_I32_WRAP_I64 || op === OP_I64_EXTEND_I32_U) r = x & M32;
    else if (op === OP_I64_EXTEND_I32_S) r = signExtend(x & M32, 4) & M64;
    else r = signExtend(x, 1 << (op - OP_I64_EXTEND8_S)) & M64; // 1, 2 or 4 bytes
  } else {
    return false;
  }
  s.sp -= 1;
  push(s, r);
  return true;
}
