import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { runSpecSuite, SPEC_DIR, summary } from "../conformance/runSpecSuite.ts";
import { runWast } from "../conformance/runWast.ts";

test("spec suite: every supported assertion passes (0 failed)", () => {
  assert.ok(existsSync(SPEC_DIR), `the spec scripts are missing from ${SPEC_DIR}`);
  const r = runSpecSuite();
  console.log(`wasm spec suite: ${summary(r)} (${r.textOnly} text-format assertions left to wabt)`);
  console.log(`refused by feature: ${[...r.refusals].map(([k, v]) => `${k} ×${v}`).join("; ")}`);
  assert.deepEqual(r.failures, []);
  assert.equal(r.failed, 0);
  assert.ok(r.passed > 2000, `only ${r.passed} passed`);
});

test("wast runner counts a wrong expected result as a failure", () => {
  const r = runWast(`(module (func (export "f") (result i32) (i32.const 2)))
    (assert_return (invoke "f") (i32.const 3))
    (assert_return (invoke "f") (i32.const 2))`);
  assert.equal(r.failed, 1);
  assert.equal(r.passed, 2); // the module and the right assertion
});

test("wast runner counts a missing trap and an accepted invalid module as failures", () => {
  const r = runWast(`(module (func (export "f") (result i32) (i32.const 2)))
    (assert_trap (invoke "f") "unreachable")
    (assert_invalid (module (func (result i32) (i32.const 1))) "type mismatch")`);
  assert.equal(r.failed, 2);
});

test("wast runner reports float modules as refused, with the feature", () => {
  const r = runWast(`(module (func (export "f") (result f32) (f32.const 1)))
    (assert_return (invoke "f") (f32.const 1))`);
  assert.equal(r.refused, 2);
  assert.equal(r.failed, 0);
  assert.ok([...r.refusals.keys()].some((k) => k === "floating point"));
});
