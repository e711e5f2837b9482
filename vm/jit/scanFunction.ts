/**
 * The basic blocks of one function of a validated program's flat code, found by following its
 * control flow from the function's entry: a block starts at the entry, at every branch target
 * and after every instruction that leaves the compiled code (a branch, a call, a return, or an
 * instruction the compiled tier hands to the interpreter), and ends before the next start.
 */
import {
  OP_BR,
  OP_BR_IF,
  OP_BR_TABLE,
  OP_BR_UNLESS,
  OP_CALL,
  OP_CALL_INDIRECT,
  OP_HALT,
  OP_MEMORY_GROW,
  OP_RETURN,
  OP_TRAP,
} from "../layout.ts";

/** i64 division and remainder: BigInt work, rare in kernels; the interpreter runs them. */
const I64_DIV_FIRST = 0x7f;
const I64_DIV_LAST = 0x82;

/** How the compiled code treats one flat opcode. */
export const enum Flow {
  /** Straight-line: compiled, the next instruction follows. */
  Next,
  /** A branch (`br`, `br_if`, `br_unless`, `br_table`): compiled, ends the block. */
  Branch,
  /** `call` and `return`: compiled, they leave the compiled function; `call` returns to pc + 1. */
  Leave,
  /** Run by the interpreter (`memory.grow`, `call_indirect`, i64 division, traps, halt): ends the block before it. */
  Interpreter,
}

export function flowOf(op: number): Flow {
  switch (op) {
    case OP_BR:
    case OP_BR_IF:
    case OP_BR_UNLESS:
    case OP_BR_TABLE:
      return Flow.Branch;
    case OP_CALL:
    case OP_RETURN:
      return Flow.Leave;
    case OP_TRAP:
    case OP_HALT:
    case OP_MEMORY_GROW:
    case OP_CALL_INDIRECT:
      return Flow.Interpreter;
    default:
      return op >= I64_DIV_FIRST && op <= I64_DIV_LAST ? Flow.Interpreter : Flow.Next;
  }
}

/** pcs control may reach after instruction `pc` (branch targets, fall-through, return site). */
function successors(code: Int32Array, pc: number): number[] {
  const o = pc << 2;
  const op = code[o]!;
  switch (op) {
    case OP_BR:
      return [code[o + 1]!];
    case OP_BR_IF:
    case OP_BR_UNLESS:
      return [code[o + 1]!, pc + 1];
    case OP_BR_TABLE: {
      const out: number[] = [];
      // The n + 1 table entries follow the instruction; their `a` is the target.
      for (let e = pc + 1; e <= pc + 1 + code[o + 1]!; e++) out.push(code[(e << 2) + 1]!);
      return out;
    }
    case OP_RETURN:
    case OP_TRAP:
    case OP_HALT:
      return [];
    default:
      return [pc + 1];
  }
}

export interface FunctionBlocks {
  /** Block start pcs, in the order they were found (the entry first). */
  starts: number[];
  /** Start pc → the pc one past the block's last instruction (a block ends at a branch, a leave or an interpreter op included). */
  ends: Map<number, number>;
}

/**
 * The reachable blocks of the function entered at `entryPc`. The loader points every branch at an
 * instruction of the same function and ends every function with `return`, so the walk stays
 * inside the function. Returns null when it would exceed `maxInstructions` (too large to compile).
 */
export function scanFunction(code: Int32Array, entryPc: number, maxInstructions: number): FunctionBlocks | null {
  const starts = new Set<number>([entryPc]);
  const seen = new Set<number>();
  const work = [entryPc];
  while (work.length > 0) {
    let pc = work.pop()!;
    while (!seen.has(pc)) {
      seen.add(pc);
      if (seen.size > maxInstructions) return null;
      const flow = flowOf(code[pc << 2]!);
      const next = successors(code, pc);
      if (flow === Flow.Next) {
        pc = next[0]!;
        continue;
      }
      for (const t of next)
        if (!starts.has(t)) {
          starts.add(t);
          work.push(t);
        }
      break;
    }
  }
  const ends = new Map<number, number>();
  for (const s of starts) {
    let pc = s;
    for (;;) {
      const flow = flowOf(code[pc << 2]!);
      if (flow !== Flow.Next) {
        ends.set(s, flow === Flow.Interpreter ? pc : pc + 1);
        break;
      }
      pc++;
      if (starts.has(pc)) {
        ends.set(s, pc);
        break;
      }
    }
  }
  return { starts: [...starts], ends };
}
