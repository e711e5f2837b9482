import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { OpmlError } from "../../common/errors.ts";
import { wat } from "../corpus/wat.ts";
import { Rng } from "../../common/rng.ts";

/** Deterministic fuzz inputs: uniform u32s from the project PRNG. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.u32();
}

const seeds = [
  wat(`(module (memory 1 4) (table 2 funcref) (elem (i32.const 0) $a $b) (global $g (mut i32) (i32.const 3))
    (data (i32.const 8) "\\01\\02\\03\\04")
    (func $a (param i32) (result i32) (local i64)
      (block (loop (br_if 1 (i32.eqz (local.get 0))) (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (global.set $g (i32.add (global.get $g) (i32.load8_u (i32.const 9)))) (br 0)))
      (i64.store (i32.const 0) (i64.mul (i64.extend_i32_s (global.get $g)) (i64.const 7)))
      (call_indirect (param i32) (result i32) (local.get 0) (i32.const 1)))
    (func $b (param i32) (result i32) (block (br_table 0 0 (local.get 0))) (memory.grow (i32.const 1)))
    (export "a" (func $a)) (export "b" (func $b)))`),
  wat(`(module (func (export "f") (result i64) (i64.div_s (i64.const 9) (i64.const 0))) (start 0))`),
];

/** Loads `bytes`; if they load, runs every zero-argument export for a bounded number of steps. */
function exercise(bytes: Uint8Array): void {
  let p;
  try {
    p = loadProgram(bytes);
  } catch (e) {
    assert.ok(e instanceof OpmlError, `loader threw a non-typed error: ${String(e)}`);
    return;
  }
  for (const [name, e] of p.module.exports) {
    if (e.kind !== "func" || p.funcs[e.index]!.nparams !== 0) continue; // the loader checked the index
    try {
      const m = Machine.create(p, { entry: name, stepLimit: 5000 });
      m.run();
      assert.notEqual(m.status, 0, "a run with a step cap must end halted or trapped");
    } catch (err) {
      assert.ok(err instanceof OpmlError, `machine threw a non-typed error: ${String(err)}`);
    }
  }
}

test("loader fuzz: random bytes only ever give typed errors", () => {
  const r = rng(1234);
  for (let i = 0; i < 2000; i++) {
    const len = r() % 64;
    const b = new Uint8Array(8 + len);
    b.set([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    for (let j = 8; j < b.length; j++) b[j] = r() & 0xff;
    exercise(b);
  }
});

test("loader fuzz: mutated valid modules load, or give typed errors, and never hang", () => {
  const r = rng(99);
  let loaded = 0;
  for (let i = 0; i < 3000; i++) {
    const b = seeds[i % seeds.length]!.slice();
    const flips = 1 + (r() % 3);
    for (let k = 0; k < flips; k++) {
      const at = 8 + (r() % (b.length - 8));
      const kind = r() % 3;
      if (kind === 0) b[at] = r() & 0xff;
      else if (kind === 1) b[at]! ^= 1 << (r() % 8);
      else b[at] = [0x00, 0x0b, 0x7f, 0x80, 0xff, 0x41, 0x02][r() % 7]!;
    }
    const cut = r() % 8 === 0 ? b.subarray(0, 8 + (r() % (b.length - 8))) : b;
    try {
      loadProgram(cut);
      loaded++;
    } catch {
      /* checked below */
    }
    exercise(cut);
  }
  assert.ok(loaded > 0, "some mutations should still load (the fuzzer reaches the interpreter)");
});
