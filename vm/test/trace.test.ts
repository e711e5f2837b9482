import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { Trace, proveNext } from "../Trace.ts";
import { verifyStep, ACCESS_BYTES } from "../stepProof.ts";
import { StepProofError } from "../stepMemory.ts";
import { WitnessError } from "../witness.ts";
import { opcodeCorpus } from "../corpus/opcodeCorpus.ts";
import { wat } from "../corpus/wat.ts";
import { Rng } from "../../common/rng.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// Writes a pseudo-random walk over 3 pages (growing once), with calls and globals.
const WORKLOAD = wat(`(module (memory 1 8) (global $g (mut i32) (i32.const 0))
  (func $mix (param i32) (result i32) (i32.xor (i32.mul (local.get 0) (i32.const 1103515245)) (i32.const 12345)))
  (func (export "run") (local $i i32) (local $x i32)
    (drop (memory.grow (i32.const 2)))
    (local.set $x (i32.const 7))
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (i32.const 700)))
      (local.set $x (call $mix (local.get $x)))
      (i32.store (i32.and (local.get $x) (i32.const 0x2fffc)) (local.get $i))
      (i64.store8 offset=1 (i32.and (i32.shr_u (local.get $x) (i32.const 7)) (i32.const 0x2ffff)) (i64.const 255))
      (global.set $g (i32.add (global.get $g) (local.get $x)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))))`);

test("state hash at any step from snapshots equals a straight run to that step", () => {
  const p = loadProgram(WORKLOAD);
  const trace = new Trace(p, { entry: "run" }, 97);
  const end = trace.record();
  assert.ok(end.halted);
  assert.ok(trace.finalSteps > 10000);
  assert.ok(trace.snapshots.length > 100);
  for (const k of [
    0,
    1,
    96,
    97,
    98,
    5000,
    12345 % trace.finalSteps,
    trace.finalSteps - 1,
    trace.finalSteps,
    trace.finalSteps + 50,
  ]) {
    const straight = Machine.create(p, { entry: "run" });
    straight.run(k);
    assert.equal(hex(trace.stateHashAt(k)), hex(straight.stateHash()), `step ${k}`);
  }
  assert.equal(hex(trace.stateHashAt(trace.finalSteps + 1000)), hex(trace.finalStateHash));
});

test("a run recorded in slices pauses every slice and records the same snapshots as one straight record", () => {
  const p = loadProgram(WORKLOAD);
  const whole = new Trace(p, { entry: "run" }, 97);
  whole.record();
  const sliced = new Trace(p, { entry: "run" }, 97);
  const run = sliced.recording(1000);
  const pauses: number[] = [];
  let r = run.next();
  while (!r.done) {
    pauses.push(r.value);
    r = run.next();
  }
  assert.ok(r.value.halted);
  assert.equal(pauses.length, Math.floor((whole.finalSteps - 1) / (Math.ceil(1000 / 97) * 97)));
  for (const [i, at] of pauses.entries()) assert.equal(at, (i + 1) * Math.ceil(1000 / 97) * 97, `pause ${i}`);
  assert.equal(sliced.finalSteps, whole.finalSteps);
  assert.equal(hex(sliced.finalStateHash), hex(whole.finalStateHash));
  assert.deepEqual(
    sliced.snapshots.map((s) => [s.steps, s.bytes]),
    whole.snapshots.map((s) => [s.steps, s.bytes]),
  );
  for (const k of [0, 500, 4321, whole.finalSteps]) assert.equal(hex(sliced.stateHashAt(k)), hex(whole.stateHashAt(k)));
  assert.throws(() => new Trace(p, { entry: "run" }, 97).recording(0).next(), RangeError);
});

// Grows memory in the middle of the run and keeps writing into the new pages.
const GROWING = wat(`(module (memory 1 8)
  (func (export "run") (local $i i32) (local $x i32)
    (local.set $x (i32.const 99))
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (i32.const 600)))
      (if (i32.eq (local.get $i) (i32.const 300)) (then (drop (memory.grow (i32.const 2)))))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
      (i32.store (i32.and (local.get $x) (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 4))) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))))`);

test("the trace cursor moves back and forth across a memory.grow and always matches a straight run", () => {
  const p = loadProgram(GROWING);
  const trace = new Trace(p, { entry: "run" }, 211);
  trace.record();
  const r = new Rng(5);
  for (let q = 0; q < 25; q++) {
    const k = q % 5 === 0 ? trace.finalSteps - r.int(0, 3) : r.int(0, trace.finalSteps + 10);
    const straight = Machine.create(p, { entry: "run" });
    straight.run(k);
    assert.equal(hex(trace.stateHashAt(k)), hex(straight.stateHash()), `query ${q}: step ${k}`);
    if (q % 7 === 0) {
      const pr = trace.prove(k);
      assert.equal(hex(verifyStep(pr.preWitness, pr.proof)), hex(pr.postStateHash));
    }
  }
});

test("snapshots store diffs: far fewer bytes than full memory copies", () => {
  const p = loadProgram(WORKLOAD);
  const trace = new Trace(p, { entry: "run" }, 97);
  trace.record();
  const fullCopies = trace.snapshots.length * 3 * 65536;
  assert.ok(trace.snapshotBytes < fullCopies / 10, `${trace.snapshotBytes} bytes vs ${fullCopies}`);
});

test("one-step proofs of a recorded run verify and chain: pre(k) = hash(k), post(k) = hash(k+1)", () => {
  const p = loadProgram(WORKLOAD);
  const trace = new Trace(p, { entry: "run" }, 500);
  trace.record();
  for (const k of [0, 1, 2, 3, 10, 499, 500, 501, 7777, trace.finalSteps - 1, trace.finalSteps]) {
    const pr = trace.prove(k);
    assert.equal(hex(pr.preStateHash), hex(trace.stateHashAt(k)));
    assert.equal(hex(pr.postStateHash), hex(trace.stateHashAt(k + 1)));
    assert.equal(hex(verifyStep(pr.preWitness, pr.proof)), hex(pr.postStateHash), `step ${k}`);
    assert.equal(pr.proof.length, pr.accesses.length * ACCESS_BYTES);
  }
});

test("one-step proofs verify for every step of every opcode case", () => {
  const { wat: text, cases } = opcodeCorpus();
  const p = loadProgram(wat(text));
  const m = Machine.instantiate(p);
  let proofs = 0;
  for (const c of cases) {
    if (c.name === "recursion.exhaustion") continue;
    for (const args of c.inputs.slice(0, 3)) {
      m.prepareCall(c.name, args);
      for (let i = 0; i < 200 && m.status === 0; i++) {
        const pr = proveNext(m);
        assert.equal(hex(verifyStep(pr.preWitness, pr.proof)), hex(pr.postStateHash), `${c.name}(${args}) step ${i}`);
        proofs++;
      }
    }
  }
  assert.ok(proofs > 1000);
});

test("a tampered or truncated one-step proof is rejected with a typed error", () => {
  const p = loadProgram(WORKLOAD);
  const trace = new Trace(p, { entry: "run" }, 1000);
  trace.record(3000);
  const pr = trace.prove(2500);
  assert.ok(pr.accesses.length >= 2);
  const bad = pr.proof.slice();
  bad[ACCESS_BYTES + 5]! ^= 1;
  assert.throws(() => verifyStep(pr.preWitness, bad), StepProofError);
  assert.throws(() => verifyStep(pr.preWitness, pr.proof.subarray(0, ACCESS_BYTES)), StepProofError);
  assert.throws(() => verifyStep(pr.preWitness, pr.proof.subarray(0, 100)), StepProofError);
  const extra = new Uint8Array(pr.proof.length + ACCESS_BYTES);
  extra.set(pr.proof);
  assert.throws(() => verifyStep(pr.preWitness, extra), StepProofError);
  assert.throws(() => verifyStep(pr.preWitness.subarray(1), pr.proof), WitnessError);
});
