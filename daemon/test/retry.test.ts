import { test } from "node:test";
import assert from "node:assert/strict";
import { PassBackoff } from "../retry.ts";

// The back-off of a failed game move, counted in passes: the first retry is the next pass, then
// the skipped passes double up to the cap the daemon derives from the clock left.

test("a failing move backs off in passes: the next pass, then 1, 3, 7 passes skipped, capped, cleared by a success", () => {
  const b = new PassBackoff<bigint>();
  const skipped = () => {
    let n = 0;
    while (b.waiting(1n)) n++;
    return n;
  };
  assert.equal(b.waiting(1n), false);
  assert.deepEqual(b.failed(1n, 100), { failures: 1, skipPasses: 0 });
  assert.equal(skipped(), 0);
  assert.deepEqual(b.failed(1n, 100), { failures: 2, skipPasses: 1 });
  assert.equal(skipped(), 1);
  assert.deepEqual(b.failed(1n, 100), { failures: 3, skipPasses: 3 });
  assert.equal(skipped(), 3);
  assert.deepEqual(b.failed(1n, 100), { failures: 4, skipPasses: 7 });
  assert.equal(skipped(), 7);
  for (let i = 0; i < 40; i++) b.failed(1n, 5.5);
  assert.equal(skipped(), 5, "at most the cap");
  assert.equal(b.waiting(2n), false, "another game is not held back");
  b.succeeded(1n);
  assert.deepEqual(b.failed(1n, 100), { failures: 1, skipPasses: 0 }, "a success starts over");
});
