import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { step } from "../step.ts";
import { encodeWitness, hashWitness } from "../witness.ts";
import { opcodeCorpus } from "../corpus/opcodeCorpus.ts";
import { randomProgram } from "../corpus/randomProgram.ts";
import { wat } from "../corpus/wat.ts";
import type { Program } from "../loader/loadProgram.ts";
import { STACK_BASE } from "../layout.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * Runs the fast machine one step at a time next to the reference step over its own Merkle
 * memory; registers and state hashes must agree after every step. Calls share one instance,
 * as in the spec tests: memory, globals and stacks carry over from call to call.
 */
class Lockstep {
  readonly fast: Machine;
  readonly tree;
  constructor(readonly p: Program) {
    this.fast = Machine.instantiate(p);
    this.tree = Machine.instantiate(p).memoryTree();
  }

  call(entry: string, args: bigint[], maxSteps = 2000, stepLimit?: number, hashEvery = 1): Machine {
    const fast = this.fast;
    fast.prepareCall(entry, args);
    if (stepLimit !== undefined) fast.stepLimit = stepLimit;
    const regs = fast.registers();
    // The reference side receives the same arguments, written as the stack slots they are.
    const st = new Uint8Array(fast.stack.buffer, 0, args.length * 8);
    this.tree.writeBytes(STACK_BASE, st);
    assert.equal(
      hex(fast.stateHash()),
      hex(hashWitness(encodeWitness(regs, this.tree.root()))),
      `${entry}(${args}) initial state`,
    );
    for (let i = 0; i < maxSteps; i++) {
      const before = fast.status;
      fast.run(1);
      step(regs, this.tree);
      assert.deepEqual(regs, fast.registers(), `${entry}(${args}) registers differ after step ${i + 1}`);
      if (i % hashEvery === 0 || fast.status !== 0)
        assert.equal(
          hex(fast.stateHash()),
          hex(hashWitness(encodeWitness(regs, this.tree.root()))),
          `${entry}(${args}) state differs after step ${i + 1}`,
        );
      if (before !== 0) break; // one extra step checks the fixed point
    }
    return fast;
  }
}

test("fast interpreter and reference step agree on every opcode case, step by step", () => {
  const { wat: text, cases } = opcodeCorpus();
  const ls = new Lockstep(loadProgram(wat(text)));
  let halted = 0;
  let trapped = 0;
  for (const c of cases)
    for (const args of c.inputs) {
      const deep = c.name === "recursion.exhaustion";
      const m = ls.call(c.name, args, deep ? 20000 : 2000, undefined, deep ? 4096 : 1);
      if (m.halted) halted++;
      else if (m.trapped) trapped++;
    }
  assert.ok(halted > 500 && trapped > 20, `halted ${halted}, trapped ${trapped}`);
  assert.equal(ls.fast.trapReason, "call stack exhausted"); // the last case recursed until exhaustion
});

test("fast interpreter and reference step agree on random programs", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const ls = new Lockstep(loadProgram(wat(randomProgram(seed))));
    ls.call("f", [BigInt(seed * 7919), 0xfffffffffffffff0n], 100000, undefined, 97);
    assert.notEqual(ls.fast.status, 0, `program ${seed} did not finish`);
  }
});

test("a step cap traps, and trapped and halted states are fixed points", () => {
  const p = loadProgram(
    wat(`(module (func (export "spin") (loop (br 0))) (func (export "one") (result i32) (i32.const 1)))`),
  );
  const ls = new Lockstep(p);
  const m = ls.call("spin", [], 20, 10);
  assert.ok(m.trapped);
  assert.equal(m.steps, 11);
  const h = m.stateHash();
  m.run(5);
  assert.deepEqual(m.stateHash(), h);
  const one = ls.call("one", [], 10);
  assert.ok(one.halted);
});

test("the state hash carries the status in its top byte", () => {
  const p = loadProgram(wat(`(module (func (export "ok")) (func (export "bad") (unreachable)))`));
  const ok = Machine.create(p, { entry: "ok" });
  assert.equal(ok.stateHash()[0], 0);
  ok.run();
  assert.equal(ok.stateHash()[0], 1);
  const bad = Machine.create(p, { entry: "bad" });
  bad.run();
  assert.equal(bad.stateHash()[0], 2);
});
