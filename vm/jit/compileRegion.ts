/**
 * One function of a validated program compiled to a JavaScript function (`new Function`): every
 * reachable block is an entry, the frame's words live in JS variables between the entry and the
 * write-back, and each block is the head of a trace that inlines the blocks its jumps lead to
 * (a loop becomes a JS loop that checks the remaining budget once per block). A block runs only
 * when the budget covers all of it; otherwise, and before any instruction that would trap or that
 * the compiled code leaves to the interpreter, it writes back the exact interpreter state and
 * returns. The source is built only from the loader's flat code (integers), never from module bytes.
 */
import type { Program } from "../loader/loadProgram.ts";
import type { Machine } from "../Machine.ts";
import { R, ctz32, ltS64, ltU64, mul64, popcnt32, rotl64, shl64, shrS64, shrU64 } from "../i64.ts";
import { emitBlock, type Edge, type EmittedBlock, type BlockSource } from "./emitBlock.ts";
import { scanFunction } from "./scanFunction.ts";
import { OP_CALL_INDIRECT, OP_HALT, OP_MEMORY_GROW, OP_TRAP } from "../layout.ts";

/** Compiled code for one function: `run(m, budget)` runs from `m.pc` (an entry) and returns the steps taken. */
export interface Region {
  run: (m: Machine, budget: number) => number;
  funcIndex: number;
  /** Block starts: the pcs `run` may be entered at. */
  entries: number[];
  /** Length of the generated source (what the code cache bounds). */
  sourceBytes: number;
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
  const used = new Set<number>();
  const written = new Set<number>();
  const src: BlockSource = {
    code: p.code,
    callResults: (pc) => callResults(p, pc),
    interpreterEffect: (pc) => interpreterEffect(p, pc),
    word: (k) => (used.add(k), `x${k}`),
    set: (k) => (used.add(k), written.add(k), `x${k}`),
  };

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
    const b = emitBlock(src, start, scan.ends.get(start)!, heights.get(start)!, (pc) => scan.ends.has(pc), f.frameSize);
    if (!b) return null;
    blocks.set(start, b);
    const t = b.term;
    const edges =
      t.kind === "goto" ? [t.edge] : t.kind === "cond" ? [t.taken, t.fall] : t.kind === "table" ? t.edges : [];
    for (const e of edges) if (!reach(e.target, e.h)) return null;
    if (b.resume && !reach(b.resume.target, b.resume.h)) return null;
  }

  const starts = [...blocks.keys()].sort((a, b) => a - b);
  const index = new Map(starts.map((s, i) => [s, i]));
  const cases = starts.map((s, i) => trace(blocks, index, s, i, limits.maxTraceSteps));
  const words = [...used].sort((a, b) => a - b);
  const source = [
    `"use strict";`,
    `const { R, ctz32, ltS64, ltU64, mul64, popcnt32, rotl64, shl64, shrS64, shrU64 } = H;`,
    `return function region(m, budget) {`,
    `const fp = m.fp, F = fp << 1, s = m.stack;`,
    `let pc = m.pc, b = 0;`,
    `switch (pc) {`,
    ...starts.map((s, i) => `case ${s}: if (m.sp - fp !== ${blocks.get(s)!.h}) return 0; b = ${i}; break;`),
    `default: return 0; }`,
    `const mem = m.mem, view = m.view, dirty = m.memDirty, memBytes = mem.length, globals = m.globals, frames = m.frames;`,
    `let depth = m.depth, rem = budget, sp = m.sp, nfp = fp, ea = 0, t = 0;`,
    ...words.map((k) => `let x${k} = s[F + ${k}];`),
    `out: for (;;) { switch (b) {`,
    ...cases,
    `default: break out; } }`,
    ...[...written].sort((a, b) => a - b).map((k) => `s[F + ${k}] = x${k};`),
    `m.pc = pc; m.sp = sp; m.fp = nfp; m.depth = depth;`,
    `const done = budget - rem; m.steps += done; return done;`,
    `};`,
  ].join("\n");
  const make = new Function("H", source) as (h: typeof HELPERS) => Region["run"];
  return { run: make(HELPERS), funcIndex, entries: starts, sourceBytes: source.length };
}

/**
 * The JS case of block `head`: a loop whose body is the block, followed by the blocks its jumps
 * reach first (inlined, up to `maxSteps` instructions); a jump back to `head` continues the loop,
 * any other jump goes through the dispatch switch.
 */
function trace(
  blocks: Map<number, EmittedBlock>,
  index: Map<number, number>,
  head: number,
  i: number,
  maxSteps: number,
): string {
  const out = [`case ${i}: t${i}: for (;;) {`];
  const inlined = new Set([head]);
  let steps = 0;
  const jump = (e: Edge) =>
    `${e.moves} ${e.target === head ? `continue t${i};` : `b = ${index.get(e.target)!}; continue out;`}`;
  /** Emits the jump, or returns its target when that block is inlined next. */
  const follow = (e: Edge): number | null => {
    const next = blocks.get(e.target)!;
    if (e.target === head || inlined.has(e.target) || steps + next.steps > maxSteps) {
      out.push(jump(e));
      return null;
    }
    inlined.add(e.target);
    if (e.moves) out.push(e.moves);
    return e.target;
  };
  let cur: number | null = head;
  while (cur !== null) {
    const b: EmittedBlock = blocks.get(cur)!;
    steps += b.steps;
    if (b.steps > 0)
      out.push(`if (rem < ${b.steps}) { pc = ${b.start}; sp = fp + ${b.h}; break out; } rem -= ${b.steps};`);
    out.push(...b.lines);
    const t = b.term;
    cur = null;
    if (t.kind === "goto") cur = follow(t.edge);
    else if (t.kind === "cond") {
      out.push(`if (${t.test}) { ${jump(t.taken)} }`);
      cur = follow(t.fall);
    } else if (t.kind === "table") {
      out.push(`switch (${t.index}) {`);
      t.edges.forEach((e, j) => out.push(`${j === t.edges.length - 1 ? "default" : `case ${j}`}: ${jump(e)}`));
      out.push(`}`);
    } else out.push(t.code);
  }
  out.push(`}`);
  return out.join("\n");
}
