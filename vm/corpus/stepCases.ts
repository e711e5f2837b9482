/**
 * Real one-step proofs taken from the TypeScript VM: the golden vectors (vm/tools/goldenVectors.ts),
 * the on-chain verifier's differential test (test/stepDiff.test.ts) and its gas bench
 * (bench/contracts.ts) all draw their states here. Every case is a state the VM actually reached,
 * proved by `proveNext` (vm/Trace.ts), which also checks the reference step against the fast
 * interpreter.
 *
 * Sources: the opcode corpus, the WebAssembly spec-test modules (their invocations) and the random
 * programs of vm/corpus/randomProgram.ts (contracts/tools/dnnCases.ts adds kernel runs); and
 * states the compiled tier reached (`compiledRunCases`), so that proofs taken from a compiled run
 * are checked against the verifiers too.
 */
import { readFileSync, readdirSync } from "node:fs";
import { loadProgram, type Program } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { proveNext } from "../Trace.ts";
import { opcodeCorpus } from "./opcodeCorpus.ts";
import { randomLongProgram, randomProgram } from "./randomProgram.ts";
import { parseWast, type SExpr } from "../conformance/parseWast.ts";
import { SPEC_DIR } from "../conformance/runSpecSuite.ts";
import { wat } from "./wat.ts";
import { flatOpcode } from "../opcodeTable.ts";
import { MAX_CALL_DEPTH, OP_BR_UNLESS, OP_CALL, OP_CALL_INDIRECT, OP_RETURN, STATUS_RUNNING } from "../layout.ts";
import { Rng } from "../../common/rng.ts";
import { ProgramJit, COMPILED } from "../jit/ProgramJit.ts";

/** A PRNG as the plain `() => [0, 1)` function the generators below take. */
const nextOf = (r: Rng) => () => r.next();

export interface StepCase {
  /** Where the state comes from (program and call). */
  source: string;
  /** The flat opcode at pc, or "fixed" (halted/trapped state) or "cap" (step cap reached). */
  op: number | "fixed" | "cap";
  /** The step number k: the pre-state is the state after k steps of its run. */
  step: number;
  preWitness: Uint8Array;
  proof: Uint8Array;
  postStateHash: Uint8Array;
  /** Leaf accesses in the proof. */
  accesses: number;
}

/** The class of an opcode (its opcode table kind, control split by instruction), for coverage and gas rows. */
export function opClass(op: StepCase["op"]): string {
  if (op === "fixed") return "fixed point (halted/trapped)";
  if (op === "cap") return "step cap";
  const spec = flatOpcode(op);
  switch (spec?.kind) {
    case "control":
      if (op >= OP_BR_UNLESS && op < OP_RETURN) return "branch";
      if (op === OP_RETURN) return "return";
      if (op === OP_CALL) return "call";
      if (op === OP_CALL_INDIRECT) return "call_indirect";
      return "trap/halt";
    case "parametric":
      return "drop/select";
    case "variable":
      return spec.wasm!.startsWith("local.") ? "local" : "global";
    case "memory":
      return "memory.size/grow";
    case "load":
    case "store":
    case "const":
    case "compare":
    case "binary":
      return spec.kind;
    case undefined:
      return "trap/halt";
    default:
      return "unary/test/convert";
  }
}

function opAt(m: Machine): StepCase["op"] {
  if (m.status !== STATUS_RUNNING) return "fixed";
  if (m.steps >= m.stepLimit) return "cap";
  return m.program.code[4 * m.pc]! >>> 0; // a running machine's pc is an instruction
}

/** Proves the next step of `m` (advancing it). */
export function proveCase(m: Machine, source: string): StepCase {
  const op = opAt(m);
  const p = proveNext(m);
  return {
    source,
    op,
    step: p.step,
    preWitness: p.preWitness,
    proof: p.proof,
    postStateHash: p.postStateHash,
    accesses: p.accesses.length,
  };
}

/**
 * Steps `m` to its end, proving every step while `every` (a sampling rate ≥ 1) allows, plus one
 * step of the final state (the fixed point). `maxProved` bounds the cases taken.
 */
export function runProving(
  m: Machine,
  source: string,
  out: StepCase[],
  opts: { every?: number; maxProved?: number; maxSteps?: number; rand?: () => number } = {},
): void {
  const every = opts.every ?? 1;
  // Seeded when the caller gives no source: the same cases on every run.
  const rand = opts.rand ?? nextOf(new Rng(every));
  let proved = 0;
  const maxProved = opts.maxProved ?? Infinity;
  const maxSteps = opts.maxSteps ?? 100_000;
  for (let i = 0; i < maxSteps && m.status === STATUS_RUNNING && proved < maxProved;) {
    if (every > 1) {
      // skip a random gap (mean `every - 1` steps) with the fast interpreter
      const gap = Math.min(Math.floor(rand() * 2 * (every - 1)), maxSteps - i - 1);
      i += m.run(gap);
      if (m.status !== STATUS_RUNNING) break;
    }
    out.push(proveCase(m, source));
    proved++;
    i++;
  }
  if (m.status !== STATUS_RUNNING) out.push(proveCase(m, source));
}

/** Every case of the VM's opcode corpus, every step (edge operands, traps included). */
export function corpusCases(): StepCase[] {
  const { wat: text, cases } = opcodeCorpus();
  const p = loadProgram(wat(text));
  const out: StepCase[] = [];
  // One instance for all calls, as in the spec tests: memory and globals carry over.
  const m = Machine.instantiate(p);
  for (const c of cases)
    for (const args of c.inputs) {
      if (c.name === "recursion.exhaustion") continue; // taken separately below, sampled
      m.prepareCall(c.name, args);
      runProving(m, `corpus:${c.name}(${args.join(",")})`, out, { maxSteps: 5000 });
    }
  // Call-stack exhaustion: run fast to just before the limit, then prove the trapping call.
  const deep = cases.find((c) => c.name === "recursion.exhaustion");
  if (deep) {
    const d = Machine.instantiate(p);
    d.prepareCall(deep.name, deep.inputs[0] ?? []);
    let guard = 0;
    while (d.status === STATUS_RUNNING && d.depth < MAX_CALL_DEPTH - 1 && guard++ < 10_000_000) d.run(1);
    runProving(d, "corpus:recursion.exhaustion", out, { maxSteps: 50 });
  }
  // The step cap.
  const spin = Machine.instantiate(loadProgram(wat(`(module (func (export "spin") (loop (br 0))))`)));
  spin.prepareCall("spin", []);
  spin.stepLimit = 5;
  runProving(spin, "cap:spin", out, { maxSteps: 10 });
  return out;
}

function atom(e: SExpr | undefined): string | null {
  return e && e.kind === "atom" ? e.value : null;
}

function constArg(e: SExpr): bigint | null {
  if (e.kind !== "list") return null;
  const op = atom(e.items[0]);
  const text = atom(e.items[1])?.replace(/_/g, "");
  if (!text) return null;
  const neg = text.startsWith("-");
  const v = BigInt(text.replace(/^[+-]/, ""));
  if (op === "i32.const") return BigInt.asUintN(32, neg ? -v : v);
  if (op === "i64.const") return BigInt.asUintN(64, neg ? -v : v);
  return null;
}

/**
 * States from the spec-test scripts: every module the VM accepts, every `invoke` with integer
 * arguments (in assert_return/assert_trap/invoke commands), proved at a sampled rate.
 */
export function specCases(budget: number, seed = 1): StepCase[] {
  const rand = nextOf(new Rng(seed));
  const files = readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith(".wast"))
    .sort();
  const out: StepCase[] = [];
  const perFile = Math.max(1, Math.floor(budget / files.length));
  for (const f of files) {
    const src = readFileSync(SPEC_DIR + f, "utf8");
    let current: Machine | null = null;
    const start = out.length;
    let cmds: SExpr[];
    try {
      cmds = parseWast(src);
    } catch {
      continue;
    }
    for (const cmd of cmds) {
      if (out.length - start >= perFile) break;
      if (cmd.kind !== "list") continue;
      const head = atom(cmd.items[0]);
      if (head === "module") {
        current = null;
        const mode = atom(cmd.items[1])?.startsWith("$") ? atom(cmd.items[2]) : atom(cmd.items[1]);
        if (mode === "binary" || mode === "quote") continue;
        try {
          const p: Program = loadProgram(wat(src.slice(cmd.start, cmd.end)));
          const m = Machine.instantiate(p);
          if (m.prepareStart()) {
            m.run(1_000_000);
            if (!m.halted) continue;
          }
          current = m;
        } catch {
          current = null;
        }
        continue;
      }
      let action: SExpr | undefined = cmd;
      if (head === "assert_return" || head === "assert_trap" || head === "assert_exhaustion") action = cmd.items[1];
      else if (head !== "invoke") continue;
      if (!current || action?.kind !== "list" || atom(action.items[0]) !== "invoke") continue;
      let k = 1;
      if (atom(action.items[1])?.startsWith("$")) continue; // named-module actions: skipped
      const name = action.items[k++];
      if (name?.kind !== "string") continue;
      const args = action.items.slice(k).map(constArg);
      if (args.some((a) => a === null)) continue;
      const exportName = new TextDecoder().decode(name.bytes);
      const ex = current.program.module.exports.get(exportName);
      if (!ex || ex.kind !== "func") continue;
      try {
        current.prepareCall(exportName, args as bigint[]);
      } catch {
        continue;
      }
      current.stepLimit = current.steps + 200_000;
      const rate = head === "assert_exhaustion" ? 2000 : 3;
      runProving(current, `spec:${f}:${exportName}`, out, {
        every: rate,
        maxProved: 40,
        maxSteps: 200_000,
        rand,
      });
      if (current.status === STATUS_RUNNING) current.run(); // finish the call, unproved
    }
  }
  return out;
}

/** Every step of `count` random programs (vm/corpus/randomProgram.ts) from `seed`, on random arguments. */
export function randomCases(count: number, seed = 7): StepCase[] {
  const out: StepCase[] = [];
  const r = nextOf(new Rng(seed ^ 0x9e3779b9));
  for (let i = 0; i < count; i++) {
    const m = Machine.instantiate(loadProgram(wat(randomProgram(seed + i))));
    const a = BigInt(Math.floor(r() * 2 ** 32));
    const b = BigInt.asUintN(64, BigInt(Math.floor(r() * 2 ** 53)) * 4099n);
    m.prepareCall("f", [a, b]);
    runProving(m, `random:${seed + i}`, out, { maxSteps: 20_000 });
  }
  return out;
}

/** Proved steps at random k of one run on the compiled tier, and what the run did there. */
export interface CompiledRunCases {
  source: string;
  cases: StepCase[];
  /** Steps of the whole run. */
  totalSteps: number;
  /** Steps the proved run took in compiled traces. */
  compiledSteps: number;
  /** Proved states whose pc lies in a function the tier had compiled (stopped mid-trace by the budget, most of them). */
  inCompiledCode: number;
}

/**
 * Proves `proofs` random steps k (and the final state) of the run `make()` starts, the machine
 * tiered with every function compiled on first sight (`hotSteps` 0): it reaches each pre-state by
 * `run(gap)` on the compiled tier, whose budget runs out inside compiled loops.
 */
export function compiledRunCases(make: () => Machine, source: string, proofs: number, rng: Rng): CompiledRunCases {
  const tiered = () => {
    const m = make();
    m.executor = "tiered";
    m.hotSteps = 0;
    return m;
  };
  const totalSteps = tiered().run();
  const ks = [...new Set(Array.from({ length: proofs }, () => rng.int(0, Math.max(0, totalSteps - 1))))].sort(
    (a, b) => a - b,
  );
  const m = tiered();
  const jit = ProgramJit.of(m.program);
  const before = jit.compiledSteps;
  const cases: StepCase[] = [];
  let inCompiledCode = 0;
  for (const k of ks) {
    m.run(k - m.steps);
    const f = jit.funcAt(m.pc);
    if (m.status === STATUS_RUNNING && f >= 0 && jit.state[f] === COMPILED) inCompiledCode++;
    cases.push(proveCase(m, `${source}@${k}`));
  }
  m.run();
  cases.push(proveCase(m, `${source}@end`));
  return { source, cases, totalSteps, compiledSteps: jit.compiledSteps - before, inCompiledCode };
}

/** `compiledRunCases` of `count` long random programs (vm/corpus/randomProgram.ts) from `seed`, `proofs` each. */
export function compiledRandomCases(count: number, proofs: number, seed = 11): CompiledRunCases[] {
  const rng = new Rng(seed ^ 0x0c0de);
  return Array.from({ length: count }, (_, i) => {
    const p = loadProgram(wat(randomLongProgram(seed + i)));
    const args = [BigInt(rng.u32()), BigInt.asUintN(64, BigInt(rng.int(0, 2 ** 31)) * 0x9e3779b97n)];
    const make = () => {
      const m = Machine.instantiate(p);
      m.prepareCall("f", args);
      return m;
    };
    return compiledRunCases(make, `compiled:random-long:${seed + i}`, proofs, rng);
  });
}
