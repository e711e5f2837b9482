/**
 * One basic block (scanFunction.ts) as JavaScript: its straight-line instructions
 * (emitInstruction.ts) and how it ends — a jump to another block with the branch's value moves,
 * or leaving the compiled code (a call, a return, or an instruction the interpreter runs).
 * Every way out of the compiled code sets `pc`, `sp` (and for calls and returns `nfp`, `depth`)
 * to the interpreter's registers at that point and breaks to the common write-back.
 */
import { emitInstruction, type EmitContext } from "./emitInstruction.ts";
import { Flow, flowOf } from "./scanFunction.ts";
import {
  MAX_CALL_DEPTH,
  OP_BR,
  OP_BR_IF,
  OP_BR_TABLE,
  OP_BR_UNLESS,
  OP_CALL,
  OP_RETURN,
  STACK_SLOTS,
} from "../layout.ts";

/** A jump to block `target`, entered at height `h`, after `moves` (a branch's kept values). */
export interface Edge {
  target: number;
  h: number;
  moves: string;
}

export type Terminator =
  | { kind: "goto"; edge: Edge }
  | { kind: "cond"; test: string; taken: Edge; fall: Edge }
  | { kind: "table"; index: string; edges: Edge[] }
  | { kind: "leave"; code: string };

export interface EmittedBlock {
  start: number;
  /** Operand stack height (slots above fp) at the block's start. */
  h: number;
  /** Steps the block takes when it runs to its end (its instructions, the interpreter's op excluded). */
  steps: number;
  lines: string[];
  term: Terminator;
  /** Where a leave's run goes on, and at what height: a call's return site, the pc after an interpreter op. */
  resume: { target: number; h: number } | null;
}

/** What the block emitter needs from its function and program. */
export interface BlockSource {
  code: Int32Array;
  /** Results of the function at a call target pc (the callee's entry). */
  callResults(entryPc: number): number;
  /** Net height change of an instruction the interpreter runs (memory.grow, call_indirect, i64 division); null: none follows (trap, halt). */
  interpreterEffect(pc: number): number | null;
  word(k: number): string;
  set(k: number): string;
}

/** `{ pc = …; sp = fp + …; rem += …; break out; }`: leave with the interpreter's registers. */
export function leave(pc: number, h: number, undoSteps: number): string {
  return `{ pc = ${pc}; sp = fp + ${h};${undoSteps > 0 ? ` rem += ${undoSteps};` : ""} break out; }`;
}

/** The value moves of a branch at height `h` keeping `keep` values over `drop` dropped ones (execute.ts's copyWithin). */
function moves(src: BlockSource, h: number, keep: number, drop: number): string {
  if (drop === 0) return "";
  const out: string[] = [];
  for (let j = 0; j < 2 * keep; j++) {
    const from = 2 * (h - keep) + j;
    out.push(`${src.set(from - 2 * drop)} = ${src.word(from)};`);
  }
  return out.join(" ");
}

/**
 * Emits the block [start, end) entered at height `h`. Returns null when it meets an opcode it
 * cannot compile or the height leaves the frame (then the function stays with the interpreter).
 */
export function emitBlock(
  src: BlockSource,
  start: number,
  end: number,
  h: number,
  isStart: (pc: number) => boolean,
  frameSize: number,
): EmittedBlock | null {
  const code = src.code;
  const steps = end - start;
  let pc = start;
  const c: EmitContext = {
    lines: [],
    h,
    word: (k) => src.word(k),
    set: (k) => src.set(k),
    exitHere: () => leave(pc, c.h, steps - (pc - start)),
  };
  const block = (term: Terminator, resume: EmittedBlock["resume"] = null): EmittedBlock => ({
    start,
    h,
    steps,
    lines: c.lines,
    term,
    resume,
  });
  for (; pc < end; pc++) {
    const o = pc << 2;
    const op = code[o]!;
    const [a, b, d] = [code[o + 1]!, code[o + 2]!, code[o + 3]!];
    if (c.h < 0 || c.h > frameSize) return null;
    const flow = flowOf(op);
    if (flow === Flow.Next) {
      if (!emitInstruction(c, op, a, b)) return null;
      continue;
    }
    const hh = c.h;
    const lo = (slot: number) => src.word(2 * slot);
    switch (op) {
      case OP_BR_UNLESS:
        return block({
          kind: "cond",
          test: `${lo(hh - 1)} === 0`,
          taken: { target: a, h: hh - 1, moves: "" },
          fall: { target: pc + 1, h: hh - 1, moves: "" },
        });
      case OP_BR_IF:
        return block({
          kind: "cond",
          test: `${lo(hh - 1)} !== 0`,
          taken: { target: a, h: hh - 1 - d, moves: moves(src, hh - 1, b, d) },
          fall: { target: pc + 1, h: hh - 1, moves: "" },
        });
      case OP_BR:
        return block({ kind: "goto", edge: { target: a, h: hh - d, moves: moves(src, hh, b, d) } });
      case OP_BR_TABLE: {
        const edges: Edge[] = [];
        for (let e = pc + 1; e <= pc + 1 + a; e++) {
          const [t, keep, drop] = [code[(e << 2) + 1]!, code[(e << 2) + 2]!, code[(e << 2) + 3]!];
          edges.push({ target: t, h: hh - 1 - drop, moves: moves(src, hh - 1, keep, drop) });
        }
        return block({ kind: "table", index: `${lo(hh - 1)} >>> 0 < ${a} ? ${lo(hh - 1)} : ${a}`, edges });
      }
      case OP_CALL:
        return block(
          { kind: "leave", code: callCode(pc, hh, a, b, d) },
          { target: pc + 1, h: hh - b + src.callResults(a) },
        );
      case OP_RETURN:
        return block({ kind: "leave", code: returnCode(src, pc, hh, a) });
      default:
        return null; // an interpreter op is never inside [start, end)
    }
  }
  if (c.h < 0 || c.h > frameSize) return null;
  // The block ends before an interpreter op (leave there), or falls through to the next block's start.
  if (flowOf(code[end << 2]!) !== Flow.Interpreter && isStart(end))
    return block({ kind: "goto", edge: { target: end, h: c.h, moves: "" } });
  const effect = src.interpreterEffect(end);
  return block(
    { kind: "leave", code: leave(end, c.h, 0) },
    effect === null ? null : { target: end + 1, h: c.h + effect },
  );
}

/** `call`: push the frame as execute.ts does, then leave at the callee's entry. */
function callCode(pc: number, h: number, target: number, nparams: number, frame: number): string {
  return [
    `{ const nf = fp + ${h - nparams};`,
    `if (depth >= ${MAX_CALL_DEPTH} || nf + ${frame} > ${STACK_SLOTS}) ${leave(pc, h, 1)}`,
    `frames[2 * depth] = ${pc + 1}; frames[2 * depth + 1] = fp; depth++;`,
    `if (depth > m.framesHigh) m.framesHigh = depth;`,
    `if (nf + ${frame} > m.stackHigh) m.stackHigh = nf + ${frame};`,
    `pc = ${target}; sp = fp + ${h}; nfp = nf; break out; }`,
  ].join(" ");
}

/** `return`: move the results to the frame base, pop the frame, leave at the return address. */
function returnCode(src: BlockSource, pc: number, h: number, keep: number): string {
  const out = [`if (depth === 0) ${leave(pc, h, 1)}`];
  for (let j = 0; j < 2 * keep; j++) out.push(`${src.set(j)} = ${src.word(2 * (h - keep) + j)};`);
  out.push(`depth--; pc = frames[2 * depth]; nfp = frames[2 * depth + 1]; sp = fp + ${keep}; break out;`);
  return out.join(" ");
}
