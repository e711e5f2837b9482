/**
 * The tiered executor behind `Machine.run`: compiled traces run wherever the machine stands at a
 * block start of a compiled function; everything else is the interpreter (`execute.ts`), which
 * also counts each cold function's steps until it is hot enough to compile. The result is the
 * interpreter's state after exactly the same number of steps.
 */
import type { Machine } from "../Machine.ts";
import { execute } from "../execute.ts";
import { STATUS_RUNNING } from "../layout.ts";
import { COLD, COMPILED, ProgramJit } from "./ProgramJit.ts";

/** Steps the interpreter runs at a time in cold code between looks at the compiled tier. */
const SLICE = 4096;
/** Largest budget handed to one trace call (keeps its step counter a small integer). */
const MAX_TRACE_BUDGET = 2 ** 30;

/**
 * Runs at most `n` steps of `m`, compiling a function once the interpreter has run `hotSteps`
 * of its steps (0: on first sight). Returns the number of steps taken, as `execute` does.
 */
export function runTiered(m: Machine, n: number, hotSteps: number): number {
  if (m.status !== STATUS_RUNNING || n <= 0 || m.steps >= m.stepLimit) return execute(m, n);
  const budget = Math.min(n, m.stepLimit - m.steps);
  const jit = ProgramJit.of(m.program);
  const cache = jit.cache;
  let done = 0;
  while (done < budget && m.status === STATUS_RUNNING) {
    const left = budget - done;
    const e = jit.entries.get(m.pc);
    if (e !== undefined) {
      e.owner.lastUse = ++cache.clock;
      const k = e.run(m, left < MAX_TRACE_BUDGET ? left : MAX_TRACE_BUDGET);
      jit.compiledSteps += k;
      // 0: the block here needs more steps than are left: the interpreter steps into it.
      done += k > 0 ? k : execute(m, 1);
      continue;
    }
    const f = jit.funcAt(m.pc);
    const state = f < 0 ? -1 : jit.state[f]!;
    if (state === COLD && jit.heat[f]! >= hotSteps) {
      jit.compile(f);
      continue;
    }
    // In a compiled function between block starts (after a trap check or an interpreter op): step to the next start.
    const k = execute(m, state === COMPILED ? 1 : Math.min(left, SLICE));
    done += k;
    if (state === COLD) jit.heat[f]! += k;
  }
  return done;
}
