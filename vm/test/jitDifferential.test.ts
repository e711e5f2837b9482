/**
 * The compiled tier against the interpreter: two machines on the same program, one forced to
 * `execute.ts`, one tiered with every function compiled on first sight, advanced by the same
 * step counts; after each advance their registers, value and call stacks, globals, linear memory
 * and dirty-chunk flags (what the Merkle tree syncs from) must be identical, and the state
 * hashes equal where sampled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { loadProgram, type Program } from "../loader/loadProgram.ts";
import { Machine, type MachineOptions } from "../Machine.ts";
import { Trace } from "../Trace.ts";
import { verifyStep } from "../stepProof.ts";
import { opcodeCorpus } from "../corpus/opcodeCorpus.ts";
import { randomLongProgram, randomProgram } from "../corpus/randomProgram.ts";
import { wat } from "../corpus/wat.ts";
import { parseWast, type SExpr } from "../conformance/parseWast.ts";
import { SPEC_DIR } from "../conformance/runSpecSuite.ts";
import { Rng } from "../../common/rng.ts";
import { CodeCache, codeCache, type CacheEntry } from "../jit/CodeCache.ts";
import { stateDifference } from "../jit/stateDifference.ts";
import { ProgramJit, COMPILED } from "../jit/ProgramJit.ts";
import { STATUS_RUNNING } from "../layout.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Positions compared across the file (reported once at the end). */
let compared = 0;

/** Asserts that the two machines are in the same state (everything the state hash covers, and the dirty flags). */
function assertSame(ref: Machine, jit: Machine, where: string, hash = false): void {
  compared++;
  assert.equal(stateDifference(ref, jit, hash), null, where);
}

/** An interpreter machine and an eager tiered machine on `p`. */
function pair(p: Program, setup: (m: Machine) => void): [Machine, Machine] {
  const ref = Machine.instantiate(p);
  ref.executor = "interpreter";
  const jit = Machine.instantiate(p);
  jit.hotSteps = 0;
  setup(ref);
  setup(jit);
  return [ref, jit];
}

/** Advances both by the same random chunks (1..maxChunk steps) until they stop, comparing after each. */
function lockChunks(ref: Machine, jit: Machine, rng: Rng, maxChunk: number, where: string, maxSteps = 1e7): void {
  let hashes = 0;
  while (ref.status === STATUS_RUNNING && ref.steps < maxSteps) {
    const n = rng.int(1, maxChunk);
    assert.equal(jit.run(n), ref.run(n), `${where}: steps of run(${n}) at ${ref.steps}`);
    assertSame(ref, jit, `${where} at step ${ref.steps}`, hashes++ % 16 === 0);
  }
  assertSame(ref, jit, `${where} at the end`, true);
}

test("compiled tier: every step count k of every opcode-corpus case gives the interpreter's state", () => {
  const { wat: text, cases } = opcodeCorpus();
  // One instance for all calls, as in the spec tests: each call starts from the state the last one left.
  const [ref, jit] = pair(loadProgram(wat(text)), () => {});
  let runs = 0;
  for (const c of cases)
    for (const args of c.inputs) {
      ref.prepareCall(c.name, args);
      jit.prepareCall(c.name, args);
      const total = ref.run(50_000);
      assert.equal(jit.run(50_000), total);
      assertSame(ref, jit, `${c.name}(${args}) to the end`, true);
      const ks = total <= 400 ? Array.from({ length: total + 2 }, (_, k) => k) : [1, 7, 100, total >> 1, total];
      ks.push(total + 1);
      for (const k of ks) {
        ref.prepareCall(c.name, args);
        jit.prepareCall(c.name, args);
        assert.equal(jit.run(k), ref.run(k));
        // Hashing syncs the dirty flags, so it is done where both machines are at the same point.
        assertSame(ref, jit, `${c.name}(${args}) after ${k} steps`, k === total);
        runs++;
      }
    }
  assert.ok(runs > 5000, `only ${runs} runs`);
});

/** `f`'s arguments in the random-program tests. */
const randomArgs = (seed: number) => (m: Machine) => m.prepareCall("f", [BigInt(seed * 7919), 0xfffffffffffffff0n]);

test("compiled tier: random programs in random chunks give the interpreter's state after every chunk", () => {
  const rng = new Rng(0x5eed_0016);
  for (let seed = 1; seed <= 24; seed++) {
    const [ref, jit] = pair(loadProgram(wat(randomProgram(seed))), randomArgs(seed));
    lockChunks(ref, jit, rng, seed % 2 === 0 ? 40 : 5000, `random program ${seed}`);
    assert.notEqual(ref.status, STATUS_RUNNING, `random program ${seed} did not finish`);
  }
});

test("compiled tier: small random programs stopped at every step count k give the interpreter's state", () => {
  let runs = 0;
  for (let seed = 1; seed <= 24; seed++) {
    // One instance each, as in the corpus test: every call starts from the state the last one left.
    const [ref, jit] = pair(loadProgram(wat(randomProgram(seed))), randomArgs(seed));
    const total = ref.run();
    jit.run();
    for (let k = 0; k <= total + 1; k++) {
      randomArgs(seed)(ref);
      randomArgs(seed)(jit);
      assert.equal(jit.run(k), ref.run(k), `random program ${seed}: steps of run(${k})`);
      assertSame(ref, jit, `random program ${seed} stopped after ${k} steps`, k === total);
      runs++;
    }
  }
  assert.ok(runs > 1000, `only ${runs} runs`);
});

test("compiled tier: long random programs (loop nests, memory traffic, calls) at random k and in random chunks", () => {
  const rng = new Rng(0x10_0916);
  let steps = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const p = loadProgram(wat(randomLongProgram(seed)));
    const [probe] = pair(p, randomArgs(seed));
    const total = probe.run();
    const before = ProgramJit.of(p).compiledSteps;
    // One run from the start to each of a few random k (a budget that ends inside compiled loops), then on to the end.
    for (let i = 0; i < 6; i++) {
      const k = rng.int(0, total);
      const [ref, jit] = pair(p, randomArgs(seed));
      assert.equal(jit.run(k), ref.run(k), `long program ${seed}: steps of run(${k})`);
      assertSame(ref, jit, `long program ${seed} stopped after ${k} of ${total} steps`, true);
      jit.run();
      ref.run();
      assertSame(ref, jit, `long program ${seed} after ${k} steps, then to the end`, i === 0);
    }
    // Random chunks of a mean of about 40 positions over the run.
    const [ref, jit] = pair(p, randomArgs(seed));
    lockChunks(ref, jit, rng, Math.max(2, Math.floor(total / 20)), `long program ${seed}`);
    assert.ok(ProgramJit.of(p).compiledSteps - before > total / 2, `long program ${seed}: mostly compiled`);
    steps += total;
  }
  assert.ok(steps > 100_000, `the long programs ran only ${steps} steps`);
});

function atom(e: SExpr | undefined): string | null {
  return e && e.kind === "atom" ? e.value : null;
}

function constArg(e: SExpr): bigint | null {
  if (e.kind !== "list") return null;
  const op = atom(e.items[0]);
  const v = atom(e.items[1]);
  if ((op !== "i32.const" && op !== "i64.const") || v === null) return null;
  const t = v.replace(/_/g, "");
  const n = BigInt(t.replace(/^[+-]/, ""));
  return BigInt.asUintN(op === "i32.const" ? 32 : 64, t.startsWith("-") ? -n : n);
}

test("compiled tier: every invocation of the spec scripts, in random chunks, gives the interpreter's state", () => {
  const rng = new Rng(0x59ec);
  let invocations = 0;
  for (const f of readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith(".wast"))
    .sort()) {
    const src = readFileSync(SPEC_DIR + f, "utf8");
    let cur: [Machine, Machine] | null = null;
    for (const cmd of parseWast(src)) {
      if (cmd.kind !== "list") continue;
      const head = atom(cmd.items[0]);
      if (head === "module") {
        cur = null;
        const mode = atom(cmd.items[1])?.startsWith("$") ? atom(cmd.items[2]) : atom(cmd.items[1]);
        if (mode === "quote") continue;
        let p: Program;
        try {
          const binary = cmd.items.flatMap((e) => (e.kind === "string" ? [...e.bytes] : []));
          p = loadProgram(mode === "binary" ? Uint8Array.from(binary) : wat(src.slice(cmd.start, cmd.end)));
        } catch {
          continue; // refused or invalid: the loader's tests cover it
        }
        try {
          cur = pair(p, () => {});
        } catch {
          continue; // a segment does not fit: instantiation's tests cover it
        }
        const [ref, jit] = cur;
        if (ref.prepareStart() && jit.prepareStart()) lockChunks(ref, jit, rng, 64, `${f} start`, 1e6);
        continue;
      }
      const action = head === "invoke" ? cmd : head?.startsWith("assert_") ? cmd.items[1] : undefined;
      if (!cur || action?.kind !== "list" || atom(action.items[0]) !== "invoke") continue;
      if (atom(action.items[1])?.startsWith("$")) continue;
      const name = action.items[1];
      if (name?.kind !== "string") continue;
      const args = action.items.slice(2).map(constArg);
      if (args.some((a) => a === null)) continue;
      const exportName = new TextDecoder().decode(name.bytes);
      const [ref, jit] = cur;
      const ex = ref.program.module.exports.get(exportName);
      if (!ex || ex.kind !== "func") continue;
      ref.prepareCall(exportName, args as bigint[]);
      jit.prepareCall(exportName, args as bigint[]);
      ref.stepLimit = jit.stepLimit = ref.steps + 2_000_000;
      lockChunks(ref, jit, rng, head === "assert_exhaustion" ? 100_000 : 64, `${f} ${exportName}(${args})`);
      invocations++;
    }
  }
  assert.ok(invocations > 1300, `only ${invocations} invocations`);
});

test("compiled tier: one-step proofs from a compiled run are the interpreter's, byte for byte, and verify", () => {
  const rng = new Rng(77);
  // A small program at 40 random steps; two long ones (tens of thousands of steps in compiled loops) at 30 each.
  for (const [text, proofs] of [
    [randomProgram(5), 40],
    [randomLongProgram(9), 30],
    [randomLongProgram(20), 30],
  ] as const) {
    const p = loadProgram(wat(text));
    const opts = (executor: MachineOptions["executor"]): MachineOptions => ({
      entry: "f",
      args: [12345n, 0xfffffffffffffff0n],
      executor,
      hotSteps: 0,
    });
    const ref = new Trace(p, opts("interpreter"), 257);
    const jit = new Trace(p, opts("tiered"), 257);
    ref.record();
    const before = ProgramJit.of(p).compiledSteps;
    jit.record();
    assert.ok(ProgramJit.of(p).compiledSteps > before, "the tiered trace ran compiled code");
    assert.equal(hex(jit.finalStateHash), hex(ref.finalStateHash));
    assert.equal(jit.finalSteps, ref.finalSteps);
    for (let i = 0; i < proofs; i++) {
      const k = rng.int(0, ref.finalSteps - 1);
      const a = ref.prove(k);
      const b = jit.prove(k);
      assert.equal(hex(b.proof), hex(a.proof), `proof of step ${k}`);
      assert.equal(hex(b.preStateHash), hex(a.preStateHash), `state ${k}`);
      assert.equal(hex(verifyStep(b.preWitness, b.proof)), hex(b.postStateHash), `verifyStep of step ${k}`);
      compared++;
    }
  }
});

test("compiled tier: budget, bounds and limits inside compiled loops", () => {
  const p = loadProgram(
    wat(`(module (memory 1 3) (global $g (mut i32) (i32.const 0))
      (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
        (loop $l
          (i32.store (i32.mul (local.get $i) (i32.const 4)) (local.get $i))
          (global.set $g (i32.add (global.get $g) (local.get $i)))
          (local.set $s (i32.add (local.get $s) (i32.load8_s (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $s))
      (func (export "grow") (param $n i32) (result i32) (local $i i32)
        (loop $l
          (drop (memory.grow (i32.const 1)))
          (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (local.get $i))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (memory.size))
      (func $rec (export "rec") (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1)))))`),
  );
  const rng = new Rng(16);
  // Runs past the end of memory (16384 words in one page): the store traps mid-block.
  for (const n of [10, 1000, 20000]) {
    const [ref, jit] = pair(p, (m) => m.prepareCall("sum", [BigInt(n)]));
    lockChunks(ref, jit, rng, 37, `sum(${n})`);
  }
  // Every budget from 0 to 200 in one call, then the rest.
  for (let k = 0; k <= 200; k++) {
    const [ref, jit] = pair(p, (m) => m.prepareCall("sum", [100n]));
    assert.equal(jit.run(k), ref.run(k));
    assertSame(ref, jit, `sum(100) run(${k})`);
    jit.run();
    ref.run();
    assertSame(ref, jit, `sum(100) run(${k}) then to the end`, k % 50 === 0);
  }
  // A step limit inside a compiled loop traps at the same step.
  for (const limit of [0, 1, 57, 1234]) {
    const [ref, jit] = pair(p, (m) => {
      m.prepareCall("sum", [5000n]);
      m.stepLimit = limit;
    });
    jit.run();
    ref.run();
    jit.run();
    ref.run();
    assertSame(ref, jit, `sum with step limit ${limit}`, true);
    assert.ok(jit.trapped);
  }
  // memory.grow inside a compiled loop (the interpreter runs it), until it fails at the maximum.
  const [gref, gjit] = pair(p, (m) => m.prepareCall("grow", [4n]));
  lockChunks(gref, gjit, rng, 3, "grow(4)");
  // Unbounded recursion: the call that would pass the stack's end traps in both.
  const [rref, rjit] = pair(p, (m) => m.prepareCall("rec", [0n]));
  lockChunks(rref, rjit, rng, 100_000, "rec(0)");
  assert.equal(rjit.trapReason, "call stack exhausted");
});

test("compiled tier: the code cache evicts the least recently used function and its machine carries on unchanged", () => {
  const saved = codeCache.maxEntries;
  codeCache.maxEntries = 1;
  try {
    const rng = new Rng(99);
    for (let seed = 40; seed < 44; seed++) {
      const p = loadProgram(wat(randomProgram(seed)));
      const [ref, jit] = pair(p, (m) => m.prepareCall("f", [BigInt(seed), 3n]));
      lockChunks(ref, jit, rng, 300, `random program ${seed}, one cached function`);
      assert.ok(codeCache.size <= 1);
      const jitState = ProgramJit.of(p);
      assert.ok([...jitState.state].filter((s) => s === COMPILED).length <= 1);
    }
  } finally {
    codeCache.maxEntries = saved;
  }
});

test("compiled tier: a function whose traces pass the per-function byte cap runs its other blocks interpreted, unchanged", () => {
  const saved = codeCache.maxEntryBytes;
  const cap = 4000; // a few traces of a random program's main function fit, not all of them
  codeCache.maxEntryBytes = cap;
  try {
    const rng = new Rng(0xca9);
    let refused = 0;
    let compiledSteps = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const p = loadProgram(wat(randomProgram(seed)));
      const [ref, jit] = pair(p, (m) => m.prepareCall("f", [BigInt(seed * 31), 9n]));
      lockChunks(ref, jit, rng, 7, `random program ${seed}, traces capped at ${cap} bytes a function`);
      const j = ProgramJit.of(p);
      for (const e of j.entries.values())
        assert.ok(e.owner.bytes <= cap, `function ${e.owner.region.funcIndex}: ${e.owner.bytes} bytes`);
      refused += j.refusedTraces;
      compiledSteps += j.compiledSteps;
    }
    assert.ok(refused > 0, "no trace reached the cap");
    assert.ok(compiledSteps > 0, "no trace ran");
  } finally {
    codeCache.maxEntryBytes = saved;
  }
});

test("the code cache evicts least recently used entries past its byte and count bounds", () => {
  const cache = new CodeCache(100, 3);
  const evicted: string[] = [];
  const entry = (name: string, bytes: number): CacheEntry => ({ bytes, lastUse: 0, evict: () => evicted.push(name) });
  const [a, b, c, d] = [entry("a", 10), entry("b", 10), entry("c", 10), entry("d", 10)];
  cache.add(a);
  cache.add(b);
  cache.add(c);
  a.lastUse = ++cache.clock; // a used last: b is now the oldest
  cache.add(d);
  assert.deepEqual(evicted, ["b"]);
  assert.equal(cache.grow(d, 75), true); // 10 + 10 + 85 > 100: the oldest other entry goes, never the one growing
  assert.deepEqual(evicted, ["b", "c"]);
  assert.equal(cache.totalBytes, 95);
  assert.equal(cache.size, 2);
  // Past the whole bound (85 + 16 > 100) one entry cannot grow: refused, nothing evicted or counted.
  assert.equal(cache.grow(d, 16), false);
  assert.deepEqual([evicted, cache.totalBytes, d.bytes], [["b", "c"], 95, 85]);
});

test("the code cache refuses to grow an entry past its per-entry cap, and an entry it no longer holds", () => {
  const cache = new CodeCache(1000, 10, 50);
  const evicted: string[] = [];
  const entry = (name: string): CacheEntry => ({ bytes: 0, lastUse: 0, evict: () => evicted.push(name) });
  const [a, b] = [entry("a"), entry("b")];
  cache.add(a);
  cache.add(b);
  assert.equal(cache.grow(a, 30), true);
  assert.equal(cache.grow(a, 20), true); // exactly the cap
  assert.equal(cache.grow(a, 1), false);
  assert.equal(cache.grow(b, 51), false);
  assert.deepEqual([a.bytes, b.bytes, cache.totalBytes, evicted], [50, 0, 50, []]);
  cache.remove(a);
  assert.equal(cache.grow(a, 1), false);
  assert.deepEqual([cache.totalBytes, evicted], [0, ["a"]]);
});

test("compiled tier: positions compared", () => {
  console.log(`compiled tier vs interpreter: ${compared} positions compared, 0 mismatches`);
  assert.ok(compared > 10000);
});
