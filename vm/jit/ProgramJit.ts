/**
 * The compiled tier's state for one program: each function is cold (interpreted, its steps
 * counted), compiled (its blocks are entries of a compiled region) or refused (outside the
 * compiler's limits). Regions live in the process's bounded code cache, which may evict them.
 */
import type { Program } from "../loader/loadProgram.ts";
import { codeCache, type CacheEntry, type CodeCache } from "./CodeCache.ts";
import { compileRegion, type Region, type TraceFn } from "./compileRegion.ts";

export const COLD = 0;
export const COMPILED = 1;
export const REFUSED = 2;

export interface CompiledEntry extends CacheEntry {
  region: Region;
}

/** A block start's trace and the compiled function it belongs to (whose use stamp it updates). */
export interface Entry {
  run: TraceFn;
  owner: CompiledEntry;
}

const jits = new WeakMap<Program, ProgramJit>();

export class ProgramJit {
  /** Block start pc → its trace. */
  readonly entries = new Map<number, Entry>();
  /** Per function: COLD, COMPILED or REFUSED. */
  readonly state: Uint8Array;
  /** Per function: steps the interpreter ran from it while cold. */
  readonly heat: Float64Array;
  /** Steps the program's machines ran in compiled traces (diagnostics). */
  compiledSteps = 0;
  /** Traces built but dropped: their function had reached the cache's per-function byte cap (diagnostics). */
  refusedTraces = 0;
  /** Function entry pcs, ascending (the loader lays functions out in order). */
  private readonly starts: Int32Array;

  private constructor(
    readonly program: Program,
    readonly cache: CodeCache,
  ) {
    const n = program.funcs.length;
    this.state = new Uint8Array(n);
    this.heat = new Float64Array(n);
    this.starts = Int32Array.from(program.funcs, (f) => f.entryPc);
  }

  /** The program's compiled-tier state (one per program, shared by its machines). */
  static of(p: Program): ProgramJit {
    let j = jits.get(p);
    if (!j) {
      j = new ProgramJit(p, codeCache);
      jits.set(p, j);
    }
    return j;
  }

  /** Index of the function whose code holds `pc` (the last one starting at or before it), or -1. */
  funcAt(pc: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    if (hi < 0 || pc < s[0]!) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= pc) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Compiles function `f` into the cache, or marks it refused. */
  compile(f: number): void {
    const region = compileRegion(this.program, f);
    if (!region) {
      this.state[f] = REFUSED;
      return;
    }
    const entry: CompiledEntry = {
      region,
      bytes: 0,
      lastUse: 0,
      evict: () => {
        for (const pc of region.entries) this.entries.delete(pc);
        this.state[f] = COLD;
        this.heat[f] = 0;
      },
    };
    this.cache.add(entry);
    region.entries.forEach((pc, i) => {
      // The trace is built on its first run, and its source counted against the cache's bound.
      const e: Entry = {
        run: (m, budget) => {
          const { fn, bytes } = region.trace(i);
          if (!this.cache.grow(entry, bytes)) {
            // Past the function's byte cap (or evicted meanwhile): this block stays with the interpreter.
            if (this.entries.get(pc) === e) this.entries.delete(pc);
            this.refusedTraces++;
            return 0;
          }
          e.run = fn;
          return fn(m, budget);
        },
        owner: entry,
      };
      this.entries.set(pc, e);
    });
    this.state[f] = COMPILED;
  }
}
