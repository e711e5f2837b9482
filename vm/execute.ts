import type { Machine } from "./Machine.ts";
import {
  R,
  ctz32,
  fromBig,
  ltS64,
  ltU64,
  mul64,
  popcnt32,
  rotl64,
  shl64,
  shrS64,
  shrU64,
  toBig,
  toBigU,
} from "./i64.ts";
import {
  MAX_CALL_DEPTH,
  OP_BR,
  OP_BR_IF,
  OP_BR_TABLE,
  OP_BR_UNLESS,
  OP_CALL,
  OP_CALL_INDIRECT,
  OP_HALT,
  OP_RETURN,
  STACK_SLOTS,
  STATUS_HALTED,
  STATUS_RUNNING,
  STATUS_TRAPPED,
} from "./layout.ts";

const CHUNK = 10;

/**
 * The fast interpreter loop: runs up to `n` steps of `m` on its typed arrays, no hashing.
 * A trap sets the status and changes nothing else; every step from a running state counts.
 * `vm/step.ts` is the slow reference of the same semantics over the Merkle memory.
 *
 * Most case labels are opcode bytes written as literals (their names are the `OP_*` constants of
 * vm/layout.ts, from the opcode table): V8 compiles a switch over literal labels to a jump table,
 * and with imported constants as labels this loop ran about 3× slower (38 against 130 million
 * steps a second on a matmul node). The lockstep test holds it to the reference step.
 */
export function execute(m: Machine, n: number): number {
  if (m.status !== STATUS_RUNNING || n <= 0) return 0;
  if (m.steps >= m.stepLimit) {
    m.status = STATUS_TRAPPED;
    m.trapReason = "step limit reached";
    m.steps++;
    return 1;
  }
  const budget = Math.min(n, m.stepLimit - m.steps);
  const code = m.code;
  const s = m.stack;
  const frames = m.frames;
  const globals = m.globals;
  let mem = m.mem;
  let view = m.view;
  let dirty = m.memDirty;
  let memBytes = mem.length;
  let pc = m.pc;
  let w = m.sp * 2; // word index of the first free stack word
  let fp = m.fp;
  let depth = m.depth;
  let stackHigh = m.stackHigh;
  let framesHigh = m.framesHigh;
  let status = STATUS_RUNNING;
  let reason = "";
  let done = 0;
  let a: number;
  let b: number;
  let ea: number;

  // Every indexed read in this loop is in bounds, so it is written `x[i]!` (no check, no cost):
  // `code` holds each instruction as four words, opcode and operands, and the loader points every
  // branch, call and br_table entry at an instruction; the loader validated each function's stack
  // depths and a call traps before its frame (locals and operands) would pass STACK_SLOTS, so `s`
  // is read only at locals and pushed operands; `frames` only below `depth`; `table` after the
  // tableSize check, and `funcRecords` (four words a function) at a table entry other than -1;
  // `mem` after the bounds check on `ea`; `R` is the two-word result of the i64 helpers.
  loop: while (done < budget) {
    const o = pc << 2;
    const op = code[o]!;
    done++;
    switch (op) {
      case 0x00:
        status = STATUS_TRAPPED;
        reason = "unreachable";
        break loop;
      case OP_BR_UNLESS:
        w -= 2;
        pc = s[w]! === 0 ? code[o + 1]! : pc + 1;
        continue;
      case OP_BR_IF:
        w -= 2;
        if (s[w]! === 0) {
          pc++;
          continue;
        }
        {
          const keep = code[o + 2]!;
          const drop = code[o + 3]!;
          if (drop !== 0) {
            const from = w - 2 * keep;
            s.copyWithin(from - 2 * drop, from, w);
            w -= 2 * drop;
          }
          pc = code[o + 1]!;
        }
        continue;
      case OP_BR: {
        const keep = code[o + 2]!;
        const drop = code[o + 3]!;
        if (drop !== 0) {
          const from = w - 2 * keep;
          s.copyWithin(from - 2 * drop, from, w);
          w -= 2 * drop;
        }
        pc = code[o + 1]!;
        continue;
      }
      case OP_BR_TABLE: {
        w -= 2;
        const i = s[w]! >>> 0;
        const e = (pc + 1 + (i < code[o + 1]! ? i : code[o + 1]!)) << 2;
        const keep = code[e + 2]!;
        const drop = code[e + 3]!;
        if (drop !== 0) {
          const from = w - 2 * keep;
          s.copyWithin(from - 2 * drop, from, w);
          w -= 2 * drop;
        }
        pc = code[e + 1]!;
        continue;
      }
      case OP_RETURN: {
        if (depth === 0) {
          status = STATUS_TRAPPED;
          reason = "return with an empty call stack";
          break loop;
        }
        const keep = code[o + 1]!;
        s.copyWithin(2 * fp, w - 2 * keep, w);
        w = 2 * (fp + keep);
        depth--;
        pc = frames[2 * depth]!;
        fp = frames[2 * depth + 1]!;
        continue;
      }
      case OP_CALL_INDIRECT: {
        const i = s[w - 2]! >>> 0;
        if (i >= m.tableSize) {
          status = STATUS_TRAPPED;
          reason = "undefined element: table index out of bounds";
          break loop;
        }
        const f = m.table[i]!;
        if (f === -1) {
          status = STATUS_TRAPPED;
          reason = "uninitialized element";
          break loop;
        }
        const r = m.funcRecords;
        if (r[4 * f + 1]! !== code[o + 1]!) {
          status = STATUS_TRAPPED;
          reason = "indirect call type mismatch";
          break loop;
        }
        const nparams = r[4 * f + 2]!;
        const frame = r[4 * f + 3]!;
        const newFp = (w >> 1) - 1 - nparams;
        if (depth >= MAX_CALL_DEPTH || newFp + frame > STACK_SLOTS) {
          status = STATUS_TRAPPED;
          reason = "call stack exhausted";
          break loop;
        }
        w -= 2;
        frames[2 * depth] = pc + 1;
        frames[2 * depth + 1] = fp;
        depth++;
        if (depth > framesHigh) framesHigh = depth;
        fp = newFp;
        if (newFp + frame > stackHigh) stackHigh = newFp + frame;
        pc = r[4 * f]!;
        continue;
      }
      case OP_CALL: {
        const newFp = (w >> 1) - code[o + 2]!;
        const frame = code[o + 3]!;
        if (depth >= MAX_CALL_DEPTH || newFp + frame > STACK_SLOTS) {
          status = STATUS_TRAPPED;
          reason = "call stack exhausted";
          break loop;
        }
        frames[2 * depth] = pc + 1;
        frames[2 * depth + 1] = fp;
        depth++;
        if (depth > framesHigh) framesHigh = depth;
        fp = newFp;
        if (newFp + frame > stackHigh) stackHigh = newFp + frame;
        pc = code[o + 1]!;
        continue;
      }
      case OP_HALT:
        status = STATUS_HALTED;
        break loop;
      case 0x1a: // drop
        w -= 2;
        break;
      case 0x1b: // select
        w -= 2;
        if (s[w]! === 0) {
          s[w - 4] = s[w - 2]!;
          s[w - 3] = s[w - 1]!;
        }
        w -= 2;
        break;
      case 0x20: {
        const l = 2 * (fp + code[o + 1]!);
        s[w] = s[l]!;
        s[w + 1] = s[l + 1]!;
        w += 2;
        break;
      }
      case 0x21: {
        const l = 2 * (fp + code[o + 1]!);
        w -= 2;
        s[l] = s[w]!;
        s[l + 1] = s[w + 1]!;
        break;
      }
      case 0x22: {
        const l = 2 * (fp + code[o + 1]!);
        s[l] = s[w - 2]!;
        s[l + 1] = s[w - 1]!;
        break;
      }
      case 0x23: {
        const g = 2 * code[o + 1]!;
        s[w] = globals[g]!;
        s[w + 1] = globals[g + 1]!;
        w += 2;
        break;
      }
      case 0x24: {
        const g = 2 * code[o + 1]!;
        w -= 2;
        globals[g] = s[w]!;
        globals[g + 1] = s[w + 1]!;
        m.globalsDirty = true;
        break;
      }
      // Loads: effective address = operand (u32) + offset (u32), bounds-checked.
      case 0x28:
      case 0x29:
      case 0x2c:
      case 0x2d:
      case 0x2e:
      case 0x2f:
      case 0x30:
      case 0x31:
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35: {
        ea = (s[w - 2]! >>> 0) + (code[o + 1]! >>> 0);
        const width =
          op === 0x29 ? 8 : op === 0x28 || op >= 0x34 ? 4 : op <= 0x2d || op === 0x30 || op === 0x31 ? 1 : 2;
        if (ea + width > memBytes) {
          status = STATUS_TRAPPED;
          reason = "out of bounds memory access";
          break loop;
        }
        switch (op) {
          case 0x28:
            s[w - 2] = view.getInt32(ea, true);
            break;
          case 0x29:
            s[w - 2] = view.getInt32(ea, true);
            s[w - 1] = view.getInt32(ea + 4, true);
            break;
          case 0x2c:
            s[w - 2] = view.getInt8(ea);
            break;
          case 0x2d:
            s[w - 2] = mem[ea]!;
            break;
          case 0x2e:
            s[w - 2] = view.getInt16(ea, true);
            break;
          case 0x2f:
            s[w - 2] = view.getUint16(ea, true);
            break;
          case 0x30:
            s[w - 2] = view.getInt8(ea);
            s[w - 1] = s[w - 2]! >> 31;
            break;
          case 0x31:
            s[w - 2] = mem[ea]!;
            break;
          case 0x32:
            s[w - 2] = view.getInt16(ea, true);
            s[w - 1] = s[w - 2]! >> 31;
            break;
          case 0x33:
            s[w - 2] = view.getUint16(ea, true);
            break;
          case 0x34:
            s[w - 2] = view.getInt32(ea, true);
            s[w - 1] = s[w - 2]! >> 31;
            break;
          case 0x35:
            s[w - 2] = view.getInt32(ea, true);
            break;
        }
        break;
      }
      // Stores: the i32 operand's hi word is zero, the address slot is popped too.
      case 0x36:
      case 0x37:
      case 0x3a:
      case 0x3b:
      case 0x3c:
      case 0x3d:
      case 0x3e: {
        ea = (s[w - 4]! >>> 0) + (code[o + 1]! >>> 0);
        const width = op === 0x37 ? 8 : op === 0x36 || op === 0x3e ? 4 : op === 0x3a || op === 0x3c ? 1 : 2;
        if (ea + width > memBytes) {
          status = STATUS_TRAPPED;
          reason = "out of bounds memory access";
          break loop;
        }
        if (width === 8) {
          view.setInt32(ea, s[w - 2]!, true);
          view.setInt32(ea + 4, s[w - 1]!, true);
        } else if (width === 4) view.setInt32(ea, s[w - 2]!, true);
        else if (width === 2) view.setInt16(ea, s[w - 2]!, true);
        else mem[ea] = s[w - 2]!;
        dirty[ea >>> CHUNK] = 3;
        dirty[(ea + width - 1) >>> CHUNK] = 3;
        w -= 4;
        break;
      }
      case 0x3f:
        s[w] = m.pages;
        s[w + 1] = 0;
        w += 2;
        break;
      case 0x40: {
        const delta = s[w - 2]! >>> 0;
        const old = m.pages;
        if (old + delta > m.maxPages) s[w - 2] = -1;
        else {
          m.setPages(old + delta);
          mem = m.mem;
          view = m.view;
          dirty = m.memDirty;
          memBytes = mem.length;
          s[w - 2] = old;
        }
        break;
      }
      case 0x41:
        s[w] = code[o + 1]!;
        s[w + 1] = 0;
        w += 2;
        break;
      case 0x42:
        s[w] = code[o + 1]!;
        s[w + 1] = code[o + 2]!;
        w += 2;
        break;
      // i32 tests and comparisons
      case 0x45:
        s[w - 2] = s[w - 2]! === 0 ? 1 : 0;
        break;
      case 0x46:
        w -= 2;
        s[w - 2] = s[w - 2]! === s[w]! ? 1 : 0;
        break;
      case 0x47:
        w -= 2;
        s[w - 2] = s[w - 2]! !== s[w]! ? 1 : 0;
        break;
      case 0x48:
        w -= 2;
        s[w - 2] = s[w - 2]! < s[w]! ? 1 : 0;
        break;
      case 0x49:
        w -= 2;
        s[w - 2] = s[w - 2]! >>> 0 < s[w]! >>> 0 ? 1 : 0;
        break;
      case 0x4a:
        w -= 2;
        s[w - 2] = s[w - 2]! > s[w]! ? 1 : 0;
        break;
      case 0x4b:
        w -= 2;
        s[w - 2] = s[w - 2]! >>> 0 > s[w]! >>> 0 ? 1 : 0;
        break;
      case 0x4c:
        w -= 2;
        s[w - 2] = s[w - 2]! <= s[w]! ? 1 : 0;
        break;
      case 0x4d:
        w -= 2;
        s[w - 2] = s[w - 2]! >>> 0 <= s[w]! >>> 0 ? 1 : 0;
        break;
      case 0x4e:
        w -= 2;
        s[w - 2] = s[w - 2]! >= s[w]! ? 1 : 0;
        break;
      case 0x4f:
        w -= 2;
        s[w - 2] = s[w - 2]! >>> 0 >= s[w]! >>> 0 ? 1 : 0;
        break;
      // i64 tests and comparisons (results are i32: hi word zeroed)
      case 0x50:
        s[w - 2] = (s[w - 2]! | s[w - 1]!) === 0 ? 1 : 0;
        s[w - 1] = 0;
        break;
      case 0x51:
      case 0x52:
      case 0x53:
      case 0x54:
      case 0x55:
      case 0x56:
      case 0x57:
      case 0x58:
      case 0x59:
      case 0x5a: {
        w -= 2;
        const alo = s[w - 2]!;
        const ahi = s[w - 1]!;
        const blo = s[w]!;
        const bhi = s[w + 1]!;
        let r: boolean;
        switch (op) {
          case 0x51:
            r = alo === blo && ahi === bhi;
            break;
          case 0x52:
            r = alo !== blo || ahi !== bhi;
            break;
          case 0x53:
            r = ltS64(alo, ahi, blo, bhi);
            break;
          case 0x54:
            r = ltU64(alo, ahi, blo, bhi);
            break;
          case 0x55:
            r = ltS64(blo, bhi, alo, ahi);
            break;
          case 0x56:
            r = ltU64(blo, bhi, alo, ahi);
            break;
          case 0x57:
            r = !ltS64(blo, bhi, alo, ahi);
            break;
          case 0x58:
            r = !ltU64(blo, bhi, alo, ahi);
            break;
          case 0x59:
            r = !ltS64(alo, ahi, blo, bhi);
            break;
          default:
            r = !ltU64(alo, ahi, blo, bhi);
        }
        s[w - 2] = r ? 1 : 0;
        s[w - 1] = 0;
        break;
      }
      // i32 unary
      case 0x67:
        s[w - 2] = Math.clz32(s[w - 2]!);
        break;
      case 0x68:
        s[w - 2] = ctz32(s[w - 2]!);
        break;
      case 0x69:
        s[w - 2] = popcnt32(s[w - 2]!);
        break;
      // i32 binary
      case 0x6a:
        w -= 2;
        s[w - 2] = s[w - 2]! + s[w]!;
        break;
      case 0x6b:
        w -= 2;
        s[w - 2] = s[w - 2]! - s[w]!;
        break;
      case 0x6c:
        w -= 2;
        s[w - 2] = Math.imul(s[w - 2]!, s[w]!);
        break;
      case 0x6d:
      case 0x6e:
      case 0x6f:
      case 0x70: {
        a = s[w - 4]!;
        b = s[w - 2]!;
        if (b === 0) {
          status = STATUS_TRAPPED;
          reason = "integer divide by zero";
          break loop;
        }
        if (op === 0x6d) {
          if (a === -2147483648 && b === -1) {
            status = STATUS_TRAPPED;
            reason = "integer overflow";
            break loop;
          }
          s[w - 4] = (a / b) | 0;
        } else if (op === 0x6e) s[w - 4] = (a >>> 0) / (b >>> 0);
        else if (op === 0x6f) s[w - 4] = a % b;
        else s[w - 4] = (a >>> 0) % (b >>> 0);
        w -= 2;
        break;
      }
      case 0x71:
        w -= 2;
        s[w - 2]! &= s[w]!;
        break;
      case 0x72:
        w -= 2;
        s[w - 2]! |= s[w]!;
        break;
      case 0x73:
        w -= 2;
        s[w - 2]! ^= s[w]!;
        break;
      case 0x74:
        w -= 2;
        s[w - 2]! <<= s[w]!;
        break;
      case 0x75:
        w -= 2;
        s[w - 2]! >>= s[w]!;
        break;
      case 0x76:
        w -= 2;
        s[w - 2] = s[w - 2]! >>> s[w]!;
        break;
      case 0x77:
        w -= 2;
        a = s[w - 2]!;
        b = s[w]! & 31;
        s[w - 2] = (a << b) | (a >>> (32 - b));
        break;
      case 0x78:
        w -= 2;
        a = s[w - 2]!;
        b = s[w]! & 31;
        s[w - 2] = (a >>> b) | (a << (32 - b));
        break;
      // i64 unary
      case 0x79:
        s[w - 2] = s[w - 1]! !== 0 ? Math.clz32(s[w - 1]!) : 32 + Math.clz32(s[w - 2]!);
        s[w - 1] = 0;
        break;
      case 0x7a:
        s[w - 2] = s[w - 2]! !== 0 ? ctz32(s[w - 2]!) : 32 + ctz32(s[w - 1]!);
        s[w - 1] = 0;
        break;
      case 0x7b:
        s[w - 2] = popcnt32(s[w - 2]!) + popcnt32(s[w - 1]!);
        s[w - 1] = 0;
        break;
      // i64 binary
      case 0x7c: {
        w -= 2;
        const lo = (s[w - 2]! + s[w]!) | 0;
        s[w - 1] = s[w - 1]! + s[w + 1]! + (lo >>> 0 < s[w - 2]! >>> 0 ? 1 : 0);
        s[w - 2] = lo;
        break;
      }
      case 0x7d: {
        w -= 2;
        const borrow = s[w - 2]! >>> 0 < s[w]! >>> 0 ? 1 : 0;
        s[w - 2] = s[w - 2]! - s[w]!;
        s[w - 1] = s[w - 1]! - s[w + 1]! - borrow;
        break;
      }
      case 0x7e:
        w -= 2;
        mul64(s[w - 2]!, s[w - 1]!, s[w]!, s[w + 1]!);
        s[w - 2] = R[0]!;
        s[w - 1] = R[1]!;
        break;
      case 0x7f:
      case 0x80:
      case 0x81:
      case 0x82: {
        if ((s[w - 2]! | s[w - 1]!) === 0) {
          status = STATUS_TRAPPED;
          reason = "integer divide by zero";
          break loop;
        }
        if (op === 0x7f || op === 0x81) {
          const x = toBig(s[w - 4]!, s[w - 3]!);
          const y = toBig(s[w - 2]!, s[w - 1]!);
          if (op === 0x7f && x === -(2n ** 63n) && y === -1n) {
            status = STATUS_TRAPPED;
            reason = "integer overflow";
            break loop;
          }
          fromBig(op === 0x7f ? x / y : x % y);
        } else {
          const x = toBigU(s[w - 4]!, s[w - 3]!);
          const y = toBigU(s[w - 2]!, s[w - 1]!);
          fromBig(op === 0x80 ? x / y : x % y);
        }
        w -= 2;
        s[w - 2] = R[0]!;
        s[w - 1] = R[1]!;
        break;
      }
      case 0x83:
        w -= 2;
        s[w - 2]! &= s[w]!;
        s[w - 1]! &= s[w + 1]!;
        break;
      case 0x84:
        w -= 2;
        s[w - 2]! |= s[w]!;
        s[w - 1]! |= s[w + 1]!;
        break;
      case 0x85:
        w -= 2;
        s[w - 2]! ^= s[w]!;
        s[w - 1]! ^= s[w + 1]!;
        break;
      case 0x86:
      case 0x87:
      case 0x88:
      case 0x89:
      case 0x8a:
        w -= 2;
        if (op === 0x86) shl64(s[w - 2]!, s[w - 1]!, s[w]!);
        else if (op === 0x87) shrS64(s[w - 2]!, s[w - 1]!, s[w]!);
        else if (op === 0x88) shrU64(s[w - 2]!, s[w - 1]!, s[w]!);
        else if (op === 0x89) rotl64(s[w - 2]!, s[w - 1]!, s[w]!);
        else rotl64(s[w - 2]!, s[w - 1]!, 64 - (s[w]! & 63));
        s[w - 2] = R[0]!;
        s[w - 1] = R[1]!;
        break;
      // conversions
      case 0xa7: // i32.wrap_i64
        s[w - 1] = 0;
        break;
      case 0xac: // i64.extend_i32_s
        s[w - 1] = s[w - 2]! >> 31;
        break;
      case 0xad: // i64.extend_i32_u: hi already 0
        break;
      case 0xc0:
        s[w - 2] = (s[w - 2]! << 24) >> 24;
        break;
      case 0xc1:
        s[w - 2] = (s[w - 2]! << 16) >> 16;
        break;
      case 0xc2:
        s[w - 2] = (s[w - 2]! << 24) >> 24;
        s[w - 1] = s[w - 2]! >> 31;
        break;
      case 0xc3:
        s[w - 2] = (s[w - 2]! << 16) >> 16;
        s[w - 1] = s[w - 2]! >> 31;
        break;
      case 0xc4:
        s[w - 1] = s[w - 2]! >> 31;
        break;
      default:
        status = STATUS_TRAPPED;
        reason = `invalid flat opcode 0x${(op >>> 0).toString(16)} at pc ${pc}`;
        break loop;
    }
    pc++;
  }

  m.pc = pc;
  m.sp = w >> 1;
  m.fp = fp;
  m.depth = depth;
  m.stackHigh = stackHigh;
  m.framesHigh = framesHigh;
  m.steps += done;
  if (status !== STATUS_RUNNING) {
    m.status = status;
    m.trapReason = reason;
  }
  return done;
}
