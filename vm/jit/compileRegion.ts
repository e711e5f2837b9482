/**
 * One function of a validated program compiled to JavaScript: every reachable block is an entry
 * with its own small JS function (built by `new Function` when first entered), a trace that starts at the block and
 * inlines the blocks its jumps lead to (both sides of a branch, as a tree; a jump back to the
 * start is a JS loop that checks the remaining budget at each block). The frame words a trace uses
 * live in JS variables between its entry and its write-back. A block runs only when the budget
 * covers all of it; at a jump out of the trace, before any instruction that would trap or that is
 * left to the interpreter, and at calls and returns, the trace writes back the exact interpreter
 * state and returns. Small functions per trace keep V8's optimizing compiles short and a
 * deoptimization local. The source is built only from the loader's flat code (integers), never
 * from module bytes.
 */
import type { Program } from "../loader/loadProgram.ts";
import type { Machine } from "../Machine.ts";
import { R, ctz32, ltS64, ltU64, mul64, popcnt32, rotl64, shl64, shrS64, shrU64 } from "../i64.ts";
import { emitBlock, type Edge, type EmittedBlock, type BlockSource } from "./emitBlock.ts";
import { scanFunction } from "./scanFunction.ts";
import { OP_CALL_INDIRECT, OP_HALT, OP_MEMORY_GROW, OP_TRAP } from "../layout.ts";

/** A trace: runs from `m.pc` (its block's start) and returns the steps taken (0: its first block does not fit `budget`). */
export type TraceFn = (m: Machine, budget: number) => number;

/** One function analysed for compilation: its block starts, and the trace of each built on demand. */
export interface Region {
  funcIndex: number;
  /** Block starts, ascending. */
  entries: number[];
  /** Builds the trace entered at `entries[i]` (one `new Function`); `bytes` is its source length. */
  trace(i: number): { fn: TraceFn; bytes: number };
}

export interface CompileLimits {
  /** Largest frame (locals + operand stack, in slots) compiled: each word is a JS variable. */
  maxFrameSlots: number;
  /** Largest function (reachable flat instructions) compiled. */
  maxInstructions: number;
  /** Most instructions one trace inlines. */
  maxTraceSteps: number;
}

export const DEFAULT_LIMITS: CompileLimits = { maxFrameSlots: 512, maxInstructions: 20000, maxTraceSteps: 400 };

const HELPERS = { R, ctz32, ltS64, ltU64, mul64, popcnt32, rotl64, shl64, shrS64, shrU64 };

/** Results of each function by entry pc, per program (a call's target is an entry pc). */
const resultsByEntry = new WeakMap<Program, Map<number, number>>();

function callResults(p: Program, entryPc: number): number {
  let map = resultsByEntry.get(p);
  if (!map) {
    map = new Map(p.funcs.map((f) => [f.entryPc, f.nresults]));
    resultsByEntry.set(p, map);
  }
  return map.get(entryPc) ?? 0;
}

function interpreterEffect(p: Program, pc: number): number | null {
  const op = p.code[pc << 2]!;
  if (op === OP_TRAP || op === OP_HALT) return null;
  if (op === OP_MEMORY_GROW) return 0;
  if (op === OP_CALL_INDIRECT) {
    const t = p.module.types[p.code[(pc << 2) + 1]!]; // the loader wrote a type index
    return t ? -1 - t.params.length + t.results.length : null;
  }
  return -1; // i64 division and remainder: two operands, one result
}

/**
 * Compiles function `funcIndex` of `p`. Returns null when the function is outside the limits or
 * its stack heights are not static (it then stays with the interpreter).
 */
export function compileRegion(p: Program, funcIndex: number, limits: CompileLimits = DEFAULT_LIMITS): Region | null {
  const f = p.funcs[funcIndex];
  if (!f || f.frameSize > limits.maxFrameSlots) return null;
  const scan = scanFunction(p.code, f.entryPc, limits.maxInstructions);
  if (!scan) return null;
  // The words each block reads and writes (emitBlock reports them through `word` and `set`).
  let used = new Set<number>();
  let written = new Set<number>();
  const src: BlockSource = {
    code: p.code,
    callResults: (pc) => callResults(p, pc),
    interpreterEffect: (pc) => interpreterEffect(p, pc),
    word: (k) => (used.add(k), `x${k}`),
    set: (k) => (used.add(k), written.add(k), `x${k}`),
  };
  const words = new Map<number, { used: Set<number>; written: Set<number> }>();

  // Stack heights: forward from the entry (the parameters are on the frame).
  const blocks = new Map<number, EmittedBlock>();
  const heights = new Map<number, number>([[f.entryPc, f.nparams]]);
  const work = [f.entryPc];
  const reach = (target: number, h: number): boolean => {
    const known = heights.get(target);
    if (known === undefined) {
      if (!scan.ends.has(target)) return false;
      heights.set(target, h);
      work.push(target);
      return true;
    }
    return known === h;
  };
  while (work.length > 0) {
    const start = work.pop()!;
    used = new Set();
    written = new Set();
    const b = emitBlock(src, start, scan.ends.get(start)!, heights.get(start)!, (pc) => scan.ends.has(pc), f.frameSize);
    if (!b) return null;
    blocks.set(start, b);
    words.set(start, { used, written });
    const t = b.term;
    const edges =
      t.kind === "goto" ? [t.edge] : t.kind === "cond" ? [t.taken, t.fall] : t.kind === "table" ? t.edges : [];
    for (const e of edges) if (!reach(e.target, e.h)) return null;
    if (b.resume && !reach(b.resume.target, b.resume.h)) return null;
  }

  const starts = [...blocks.keys()].sort((a, b) => a - b);
  const trace = (i: number) => {
    const source = [
      `"use strict";`,
      `const { R, ctz32, ltS64, ltU64, mul64, popcnt32, rotl64, shl64, shrS64, shrU64 } = H;`,
      `return ${traceFunction(blocks, words, starts[i]!, limits.maxTraceSteps)};`,
    ].join("\n");
    const make = new Function("H", source) as (h: typeof HELPERS) => TraceFn;
    return { fn: make(HELPERS), bytes: source.length };
  };
  return { funcIndex, entries: starts, trace };
}

/**
 * The JS function of the trace that starts at block `head`: the block, then the blocks its jumps
 * reach (inlined on both sides of a branch, up to `maxSteps` instructions in all, a block at most
 * once on a path); a jump back to `head` loops, any other jump leaves with the target's registers.
 */
function traceFunction(
  blocks: Map<number, EmittedBlock>,
  words: Map<number, { used: Set<number>; written: Set<number> }>,
  head: number,
  maxSteps: number,
): string {
  const used = new Set<number>();
  const written = new Set<number>();
  let steps = 0;
  const exitTo = (e: Edge) => `${e.moves} { pc = ${e.target}; sp = fp + ${e.h}; break out; }`;
  const jump = (e: Edge) => (e.target === head ? `${e.moves} continue out;` : exitTo(e));
  /** The lines of block `pc` and of what it leads to on this path (`path`: the blocks already on it). */
  const path = (pc: number, onPath: Set<number>): string[] => {
    const b = blocks.get(pc)!;
    const w = words.get(pc)!;
    w.used.forEach((k) => used.add(k));
    w.written.forEach((k) => written.add(k));
    steps += b.steps;
    const out: string[] = [];
    if (b.steps > 0)
      out.push(`if (rem < ${b.steps}) { pc = ${b.start}; sp = fp + ${b.h}; break out; } rem -= ${b.steps};`);
    out.push(...b.lines);
    const inner = new Set(onPath).add(pc);
    const follow = (e: Edge): string[] => {
      const next = blocks.get(e.target)!;
      if (e.target === head || inner.has(e.target) || steps + next.steps > maxSteps) return [jump(e)];
      return [e.moves, ...path(e.target, inner)];
    };
    const t = b.term;
    if (t.kind === "goto") out.push(...follow(t.edge));
    else if (t.kind === "cond") {
      out.push(`if (${t.test}) {`, ...follow(t.taken), `}`);
      out.push(...follow(t.fall));
    } else if (t.kind === "table") {
      out.push(`switch (${t.index}) {`);
      t.edges.forEach((e, j) => out.push(`${j === t.edges.length - 1 ? "default" : `case ${j}`}: ${jump(e)}`));
      out.push(`}`);
    } else out.push(t.code);
    return out;
  };
  const body = path(head, new Set());
  const h = blocks.get(head)!.h;
  const load = [...used].sort((a, b) => a - b);
  return [
    `function (m, budget) {`,
    `const fp = m.fp, F = fp << 1, s = m.stack;`,
    `if (m.sp - fp !== ${h}) return 0;`,
    `const mem = m.mem, view = m.view, dirty = m.memDirty, memBytes = mem.length, globals = m.globals, frames = m.frames;`,
    `let depth = m.depth, rem = budget, pc = ${head}, sp = m.sp, nfp = fp, ea = 0, t = 0;`,
    ...load.map((k) => `let x${k} = s[F + ${k}];`),
    `out: for (;;) {`,
    ...body,
    `}`,
    ...[...written].sort((a, b) => a - b).map((k) => `s[F + ${k}] = x${k};`),
    `m.pc = pc; m.sp = sp; m.fp = nfp; m.depth = depth;`,
    `const done = budget - rem; m.steps += done; return done;`,
    `}`,
  ].join("\n");
}
