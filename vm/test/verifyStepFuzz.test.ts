import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { proveNext } from "../Trace.ts";
import { verifyStep } from "../stepProof.ts";
import { OpmlError } from "../../common/errors.ts";
import { randomProgram } from "../corpus/randomProgram.ts";
import { Rng } from "../../common/rng.ts";
import { wat } from "../corpus/wat.ts";

test("verifyStep rejects every mutated proof with a typed error; a mutated witness gives a typed error or some state, never a crash", () => {
  const r = new Rng(7);
  const m = Machine.create(loadProgram(wat(randomProgram(3))), { entry: "f", args: [5n, 6n] });
  const proofs = [];
  while (m.status === 0 && proofs.length < 60) proofs.push(proveNext(m));
  let rejected = 0;
  for (let i = 0; i < 1500; i++) {
    const pr = r.pick(proofs);
    const w = pr.preWitness.slice();
    const p = pr.proof.slice();
    const target = r.chance(0.5) || p.length === 0 ? w : p;
    target[r.int(0, target.length - 1)]! ^= 1 << r.int(0, 7);
    let verified = false;
    try {
      verifyStep(w, p);
      verified = true;
    } catch (e) {
      assert.ok(e instanceof OpmlError, `untyped error: ${String(e)}`);
      rejected++;
    }
    assert.ok(!(verified && target === p), "a mutated proof verified");
  }
  assert.ok(rejected > 500);
});
