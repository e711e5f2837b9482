import { test } from "node:test";
import assert from "node:assert/strict";
import { SlotTree, tensorRoot } from "../index.ts";
import { slotTreeRootParallel, tensorRootsParallel } from "../slotTreeRootParallel.ts";
import { Rng } from "../../common/rng.ts";

test("tensor roots hashed on worker threads equal tensorRoot, in order, for every size", async () => {
  const r = new Rng(77);
  const tensors = [0, 1, 31, 32, 33, 1000, 4096, 5000, 70_000, 3].map((n) => r.bytes(n));
  const seen: number[] = [];
  const roots = await tensorRootsParallel(tensors, { threads: 3, minBytes: 0, onProgress: (d) => seen.push(d) });
  assert.deepEqual(roots, tensors.map(tensorRoot));
  assert.deepEqual(
    seen,
    tensors.map((_, k) => k + 1),
  );
});

test("the slot tree root of tensors hashed in parallel is SlotTree's, on threads or not, of views too", async () => {
  const r = new Rng(78);
  // Views into one larger buffer, as a runner's weights are views of its linear memory.
  const backing = r.bytes(200_000);
  const tensors = [
    [0, 64],
    [64, 10_000],
    [10_064, 1],
    [10_065, 150_000],
  ].map(([a, n]) => backing.subarray(a, a! + n!));
  const tree = new SlotTree();
  tensors.forEach((t, k) => tree.setSlot(k, t));
  assert.deepEqual(await slotTreeRootParallel(tensors, { threads: 2, minBytes: 0 }), tree.root());
  assert.deepEqual(await slotTreeRootParallel(tensors), tree.root());
  assert.deepEqual(await slotTreeRootParallel([]), new SlotTree().root());
});
