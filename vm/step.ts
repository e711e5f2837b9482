import type { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import { TreeMemory, type LeafAccess, type StepMemory } from "./stepMemory.ts";
import type { Registers } from "./witness.ts";
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
  OP_HALT,
  OP_RETURN,
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
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const s64 = (v: bigint) => BigInt.asIntN(64, v);

const slotAddr = (i: number) => STACK_BASE + SLOT_BYTES * i;

/**
 * The reference step: executes one instruction of the state (`regs`, `tree`) in place, reading
 * and writing memory only through 32-byte leaves. This is the slow truth the fast interpreter
 * (vm/execute.ts) is diffed against, and the one the on-chain verifier mirrors. Returns the
 * ordered leaf accesses when `withProofs`.
 */
export function step(regs: Registers, tree: SparseMerkleTree, withProofs = false): LeafAccess[] {
  const log: LeafAccess[] | null = withProofs ? [] : null;
  stepWith(regs, new TreeMemory(tree, log));
  return log ?? [];
}

/** One step of `regs` over any leaf memory (a tree, or a one-step proof being replayed). */
export function stepWith(regs: Registers, mem: StepMemory): void {
  if (regs.status !== STATUS_RUNNING) return;
  const trap = () => {
    regs.status = STATUS_TRAPPED;
  };
  const stepsBefore = regs.steps;
  regs.steps = stepsBefore + 1;
  if (stepsBefore >= regs.stepLimit) {
    trap();
    return;
  }
  const ins = mem.read(CODE_BASE + INSTR_BYTES * regs.pc, INSTR_BYTES);
  const op = Number(ins & M32);
  const a = Number(s32((ins >> 32n) & M32));
  const b = Number(s32((ins >> 64n) & M32));
  const c = Number(s32((ins >> 96n) & M32));
  const pop = () => mem.read(slotAddr(--regs.sp), SLOT_BYTES);
  const push = (v: bigint) => mem.write(slotAddr(regs.sp++), SLOT_BYTES, BigInt.asUintN(64, v));
  const pop32 = () => s32(pop());
  const push32 = (v: bigint) => push(BigInt.asUintN(32, v));
  /** Moves the top `keep` slots down by `drop` slots. */
  const adjust = (keep: number, drop: number) => {
    if (drop === 0) return;
    const from = regs.sp - keep;
    for (let i = 0; i < keep; i++)
      mem.write(slotAddr(from - drop + i), SLOT_BYTES, mem.read(slotAddr(from + i), SLOT_BYTES));
    regs.sp -= drop;
  };
  const call = (entry: number, nparams: number, frame: number, retPc: number): boolean => {
    const newFp = regs.sp - nparams;
    if (regs.depth >= MAX_CALL_DEPTH || newFp + frame > STACK_SLOTS) return false;
    mem.write(CALL_BASE + FRAME_BYTES * regs.depth, FRAME_BYTES, (BigInt(regs.fp) << 32n) | BigInt(retPc));
    regs.depth++;
    regs.fp = newFp;
    regs.pc = entry;
    return true;
  };
  let nextPc = regs.pc + 1;

  switch (op) {
    case 0x00:
      return trap();
    case OP_HALT:
      regs.status = STATUS_HALTED;
      return;
    case OP_BR_UNLESS:
      if (pop32() === 0n) nextPc = a;
      break;
    case OP_BR_IF:
      if (pop32() !== 0n) {
        adjust(b, c);
        nextPc = a;
      }
      break;
    case OP_BR:
      adjust(b, c);
      nextPc = a;
      break;
    case OP_BR_TABLE: {
      const i = Number(pop() & M32);
      const e = mem.read(CODE_BASE + INSTR_BYTES * (regs.pc + 1 + Math.min(i, a)), INSTR_BYTES);
      adjust(Number(s32((e >> 64n) & M32)), Number(s32((e >> 96n) & M32)));
      nextPc = Number(s32((e >> 32n) & M32));
      break;
    }
    case OP_RETURN: {
      if (regs.depth === 0) return trap();
      for (let i = 0; i < a; i++)
        mem.write(slotAddr(regs.fp + i), SLOT_BYTES, mem.read(slotAddr(regs.sp - a + i), SLOT_BYTES));
      regs.sp = regs.fp + a;
      regs.depth--;
      const f = mem.read(CALL_BASE + FRAME_BYTES * regs.depth, FRAME_BYTES);
      nextPc = Number(f & M32);
      regs.fp = Number(f >> 32n);
      break;
    }
    case OP_CALL:
      if (!call(a, b, c, regs.pc + 1)) return trap();
      return;
    case OP_CALL_INDIRECT: {
      const i = Number(mem.read(slotAddr(regs.sp - 1), SLOT_BYTES) & M32);
      if (i >= regs.tableSize) return trap();
      const f = Number(mem.read(TABLE_BASE + TABLE_ENTRY_BYTES * i, TABLE_ENTRY_BYTES));
      if (f === 0xffffffff) return trap();
      const rec = mem.read(FUNC_BASE + FUNC_BYTES * f, FUNC_BYTES);
      if (Number(s32((rec >> 32n) & M32)) !== a) return trap();
      const sp = regs.sp;
      regs.sp--;
      if (!call(Number(rec & M32), Number((rec >> 64n) & M32), Number((rec >> 96n) & M32), regs.pc + 1)) {
        regs.sp = sp;
        return trap();
      }
      return;
    }
    case 0x1a:
      regs.sp--;
      break;
    case 0x1b: {
      const cond = pop32();
      const y = pop();
      const x = pop();
      push(cond !== 0n ? x : y);
      break;
    }
    case 0x20:
      push(mem.read(slotAddr(regs.fp + a), SLOT_BYTES));
      break;
    case 0x21:
      mem.write(slotAddr(regs.fp + a), SLOT_BYTES, pop());
      break;
    case 0x22:
      mem.write(slotAddr(regs.fp + a), SLOT_BYTES, mem.read(slotAddr(regs.sp - 1), SLOT_BYTES));
      break;
    case 0x23:
      push(mem.read(GLOBAL_BASE + SLOT_BYTES * a, SLOT_BYTES));
      break;
    case 0x24:
      mem.write(GLOBAL_BASE + SLOT_BYTES * a, SLOT_BYTES, pop());
      break;
    case 0x3f:
      push(BigInt(regs.pages));
      break;
    case 0x40: {
      const delta = Number(pop() & M32);
      const old = regs.pages;
      if (old + delta > regs.maxPages) push32(-1n);
      else {
        regs.pages = old + delta;
        push(BigInt(old));
      }
      break;
    }
    case 0x41:
      push32(BigInt(a));
      break;
    case 0x42:
      push((BigInt(b) << 32n) | (BigInt(a) & M32));
      break;
    default: {
      const r = memoryOrNumeric(op, a, regs, mem, pop, push);
      if (r === "trap") return trap();
      if (r === "invalid") return trap();
    }
  }
  regs.pc = nextPc;
  return;
}

const LOADS: Record<number, [number, boolean, boolean]> = {
  // opcode: [width, signed, result is i64]
  0x28: [4, true, false],
  0x29: [8, true, true],
  0x2c: [1, true, false],
  0x2d: [1, false, false],
  0x2e: [2, true, false],
  0x2f: [2, false, false],
  0x30: [1, true, true],
  0x31: [1, false, true],
  0x32: [2, true, true],
  0x33: [2, false, true],
  0x34: [4, true, true],
  0x35: [4, false, true],
};
const STORES: Record<number, number> = { 0x36: 4, 0x37: 8, 0x3a: 1, 0x3b: 2, 0x3c: 1, 0x3d: 2, 0x3e: 4 };

function clz(v: bigint, bits: number): bigint {
  let n = 0;
  for (let i = bits - 1; i >= 0 && ((v >> BigInt(i)) & 1n) === 0n; i--) n++;
  return BigInt(n);
}
function ctz(v: bigint, bits: number): bigint {
  let n = 0;
  for (let i = 0; i < bits && ((v >> BigInt(i)) & 1n) === 0n; i++) n++;
  return BigInt(n);
}
function popcnt(v: bigint): bigint {
  let n = 0n;
  for (; v > 0n; v >>= 1n) n += v & 1n;
  return n;
}

function memoryOrNumeric(
  op: number,
  offset: number,
  regs: Registers,
  mem: StepMemory,
  pop: () => bigint,
  push: (v: bigint) => void,
): "ok" | "trap" | "invalid" {
  const memBytes = regs.pages * 65536;
  if (op in LOADS) {
    const [width, signed, is64] = LOADS[op];
    const ea = Number(mem.read(slotAddr(regs.sp - 1), SLOT_BYTES) & M32) + (offset >>> 0);
    if (ea + width > memBytes) return "trap";
    regs.sp--;
    let v = mem.read(ea, width);
    if (signed) v = BigInt.asIntN(8 * width, v);
    push(is64 ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v));
    return "ok";
  }
  if (op in STORES) {
    const width = STORES[op];
    const v = mem.read(slotAddr(regs.sp - 1), SLOT_BYTES);
    const ea = Number(mem.read(slotAddr(regs.sp - 2), SLOT_BYTES) & M32) + (offset >>> 0);
    if (ea + width > memBytes) return "trap";
    mem.write(ea, width, v);
    regs.sp -= 2;
    return "ok";
  }
  // i32 unary / test
  if (op === 0x45 || op === 0x67 || op === 0x68 || op === 0x69 || op === 0xc0 || op === 0xc1) {
    const x = pop() & M32;
    const r =
      op === 0x45
        ? x === 0n
          ? 1n
          : 0n
        : op === 0x67
          ? clz(x, 32)
          : op === 0x68
            ? ctz(x, 32)
            : op === 0x69
              ? popcnt(x)
              : BigInt.asIntN(op === 0xc0 ? 8 : 16, x);
    push(BigInt.asUintN(32, r));
    return "ok";
  }
  // i64 unary / test / conversions
  if (
    op === 0x50 ||
    op === 0x79 ||
    op === 0x7a ||
    op === 0x7b ||
    op === 0xa7 ||
    op === 0xac ||
    op === 0xad ||
    (op >= 0xc2 && op <= 0xc4)
  ) {
    const x = pop();
    let r: bigint;
    if (op === 0x50) r = x === 0n ? 1n : 0n;
    else if (op === 0x79) r = clz(x, 64);
    else if (op === 0x7a) r = ctz(x, 64);
    else if (op === 0x7b) r = popcnt(x);
    else if (op === 0xa7) r = x & M32;
    else if (op === 0xac) r = BigInt.asUintN(64, BigInt.asIntN(32, x));
    else if (op === 0xad) r = x & M32;
    else r = BigInt.asUintN(64, BigInt.asIntN(op === 0xc2 ? 8 : op === 0xc3 ? 16 : 32, x));
    push(r);
    return "ok";
  }
  // i32 binary and comparisons
  if (op >= 0x46 && op <= 0x4f) {
    const y = pop() & M32;
    const x = pop() & M32;
    const sx = s32(x);
    const sy = s32(y);
    const r = [x === y, x !== y, sx < sy, x < y, sx > sy, x > y, sx <= sy, x <= y, sx >= sy, x >= y][op - 0x46];
    push(r ? 1n : 0n);
    return "ok";
  }
  if (op >= 0x51 && op <= 0x5a) {
    const y = pop();
    const x = pop();
    const sx = s64(x);
    const sy = s64(y);
    const r = [x === y, x !== y, sx < sy, x < y, sx > sy, x > y, sx <= sy, x <= y, sx >= sy, x >= y][op - 0x51];
    push(r ? 1n : 0n);
    return "ok";
  }
  if ((op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a)) {
    const is64 = op >= 0x7c;
    const bits = is64 ? 64 : 32;
    const mask = is64 ? M64 : M32;
    const k = is64 ? op - 0x7c : op - 0x6a;
    const y = mem.read(slotAddr(regs.sp - 1), SLOT_BYTES) & mask;
    const x = mem.read(slotAddr(regs.sp - 2), SLOT_BYTES) & mask;
    const sx = BigInt.asIntN(bits, x);
    const sy = BigInt.asIntN(bits, y);
    const sh = y & BigInt(bits - 1);
    let r: bigint;
    switch (k) {
      case 0:
        r = x + y;
        break;
      case 1:
        r = x - y;
        break;
      case 2:
        r = x * y;
        break;
      case 3: // div_s
        if (y === 0n) return "trap";
        if (sx === -(1n << BigInt(bits - 1)) && sy === -1n) return "trap";
        r = sx / sy;
        break;
      case 4:
        if (y === 0n) return "trap";
        r = x / y;
        break;
      case 5:
        if (y === 0n) return "trap";
        r = sx % sy;
        break;
      case 6:
        if (y === 0n) return "trap";
        r = x % y;
        break;
      case 7:
        r = x & y;
        break;
      case 8:
        r = x | y;
        break;
      case 9:
        r = x ^ y;
        break;
      case 10:
        r = x << sh;
        break;
      case 11:
        r = sx >> sh;
        break;
      case 12:
        r = x >> sh;
        break;
      case 13:
        r = (x << sh) | (x >> ((BigInt(bits) - sh) % BigInt(bits)));
        break;
      default:
        r = (x >> sh) | (x << ((BigInt(bits) - sh) % BigInt(bits)));
    }
    regs.sp -= 2;
    push(BigInt.asUintN(bits, r));
    return "ok";
  }
  return "invalid";
}
