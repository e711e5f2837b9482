import { test } from "node:test";
import assert from "node:assert/strict";
import wabtInit from "wabt";
import { loadProgram, Trace } from "../../vm/index.ts";
import {
  challengerMove,
  defenderMove,
  roundsFor,
  vmRunFromSnapshots,
  vmStatusOf,
  vmTrace,
  VM_HALTED,
  type BisectionView,
  type TraceProvider,
} from "../index.ts";

// Level 2 over the real VM's snapshot trace (vm/Trace.ts): the fixed-point padding, and a
// challenger locating the first differing step against a liar by playing bisection rounds.

const wabt = await wabtInit();
function wat(text: string): Uint8Array {
  const mod = wabt.parseWat("inline.wat", text);
  try {
    mod.resolveNames();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

/** Sums i·c over 300 iterations into memory; `c` is where two runs differ. */
const program = (c: number) =>
  wat(`(module (memory 1)
  (func (export "run") (local $i i32) (local $s i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (i32.const 300)))
      (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const ${c}))))
      (i32.store (i32.const 64) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))))`);

function traceOf(c: number): Trace {
  const t = new Trace(loadProgram(program(c)), { entry: "run" }, 64);
  t.record();
  return t;
}

test("vmTrace over the real VM's snapshot trace: position t is the state after t steps, and every position past the halt is the halted final state", async () => {
  const t = traceOf(3);
  const D = 14n;
  assert.ok(BigInt(t.finalSteps) < 1n << D);
  const p = vmTrace(vmRunFromSnapshots(t), D);
  const final = await p.commitmentAt(BigInt(t.finalSteps));
  assert.equal(vmStatusOf(final), VM_HALTED);
  assert.equal(final, `0x${Buffer.from(t.finalStateHash).toString("hex")}`);
  for (const x of [BigInt(t.finalSteps) + 1n, 1n << (D - 1n), 1n << D]) assert.equal(await p.commitmentAt(x), final);
  assert.notEqual(await p.commitmentAt(BigInt(t.finalSteps) - 1n), final);
});

test("bisection rounds against a liar whose real-VM states diverge from step 1234 on end on step 1233→1234, with the pre-state agreed", async () => {
  const D = 14n;
  const honest = vmTrace(vmRunFromSnapshots(traceOf(3)), D);
  const other = vmTrace(vmRunFromSnapshots(traceOf(5)), D);
  const X = 1234n;
  // The liar reports the honest run up to step X-1 and another real run from X on.
  const liar: TraceProvider = { length: honest.length, commitmentAt: (t) => (t < X ? honest : other).commitmentAt(t) };
  assert.notEqual(await honest.commitmentAt(X), await other.commitmentAt(X));
  for (const k of [2n, 3n, 16n]) {
    let v: BisectionView = {
      k,
      level: 2,
      node: 0,
      lo: 0n,
      hi: 1n << D,
      startHash: await honest.commitmentAt(0n),
      endHash: await liar.commitmentAt(1n << D),
    };
    let rounds = 0n;
    while (v.hi - v.lo > 1n) {
      const posted = await defenderMove(v, liar);
      const c = await challengerMove(v, posted, honest);
      assert.equal(c.kind, "dispute");
      if (c.kind !== "dispute") return;
      v = {
        ...v,
        lo: c.agreedPosition,
        hi: c.disputedPosition,
        startHash: await liar.commitmentAt(c.agreedPosition),
        endHash: await liar.commitmentAt(c.disputedPosition),
      };
      rounds++;
    }
    assert.deepEqual([v.lo, v.hi], [X - 1n, X], `k=${k}`);
    assert.equal(rounds, roundsFor(1n << D, k));
    assert.equal(v.startHash, await honest.commitmentAt(v.lo), "the pre-state is agreed");
  }
});
