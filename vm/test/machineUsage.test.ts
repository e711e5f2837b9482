import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { VmUsageError } from "../errors.ts";
import { encodeWitness } from "../witness.ts";
import { wat } from "../corpus/wat.ts";

const p = loadProgram(wat(`(module (func (export "spin") (loop (br 0))))`));
const BAD = [-1, Number.NaN, 1.5, 2 ** 64, Infinity, -Infinity];

const isUsage = (what: RegExp) => (e: unknown) => {
  assert.ok(e instanceof VmUsageError, `expected VmUsageError, got ${String(e)}`);
  assert.match(e.message, what);
  return true;
};

test("a stepLimit that is not an integer in [0, 2^64) is refused when the machine is created", () => {
  for (const stepLimit of BAD)
    assert.throws(() => Machine.create(p, { entry: "spin", stepLimit }), isUsage(/stepLimit must be an integer/));
  for (const stepLimit of [0, 1, 2 ** 53 + 2, 2 ** 64 - 2048]) {
    const m = Machine.create(p, { entry: "spin", stepLimit });
    assert.equal(m.stepLimit, stepLimit);
  }
});

test("a stepLimit set on the machine afterwards, or a bad step count, is refused by run for both executors", () => {
  for (const executor of ["tiered", "interpreter"] as const) {
    for (const v of BAD) {
      const m = Machine.create(p, { entry: "spin", executor });
      m.stepLimit = v;
      assert.throws(() => m.run(10), isUsage(/stepLimit must be an integer/));
      assert.equal(m.steps, 0);
    }
    const m = Machine.create(p, { entry: "spin", executor });
    for (const n of [-1, Number.NaN, 1.5, 2 ** 64, -Infinity]) assert.throws(() => m.run(n), isUsage(/step count/));
    assert.equal(m.run(10), 10);
    m.stepLimit = 1000;
    assert.equal(m.run(Infinity), 990); // up to the step limit
    assert.equal(m.run(Infinity), 1); // the step after it traps
    assert.ok(m.trapped);
  }
});

test("the witness refuses steps or stepLimit outside [0, 2^64) instead of wrapping them", () => {
  const regs = Machine.create(p, { entry: "spin" }).registers();
  for (const v of BAD) {
    assert.throws(() => encodeWitness({ ...regs, stepLimit: v }, new Uint8Array(32)), isUsage(/stepLimit/));
    assert.throws(() => encodeWitness({ ...regs, steps: v }, new Uint8Array(32)), isUsage(/steps/));
  }
});

test("an unknown executor or a bad hotSteps is refused", () => {
  assert.throws(
    () => Machine.create(p, { entry: "spin", executor: "fast" as "tiered" }),
    isUsage(/unknown executor "fast"/),
  );
  assert.throws(() => Machine.create(p, { entry: "spin", hotSteps: -5 }), isUsage(/hotSteps/));
});
