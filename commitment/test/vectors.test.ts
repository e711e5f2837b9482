import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { buildVectors, VECTORS_PATH, type CommitmentVectors } from "../tools/writeVectors.ts";

test("the committed cross-language vectors are exactly what the TypeScript library writes today", () => {
  const committed = readFileSync(VECTORS_PATH, "utf8");
  const fresh = buildVectors();
  // A readable failure: which group changed, before the whole-file comparison.
  const a = JSON.parse(committed) as CommitmentVectors;
  const b = JSON.parse(fresh) as CommitmentVectors;
  for (const key of Object.keys(b) as (keyof CommitmentVectors)[]) {
    assert.deepEqual(a[key], b[key], `vectors group "${key}" is stale: run npx tsx commitment/tools/writeVectors.ts`);
  }
  assert.equal(committed, fresh, "vectors file is stale: run npx tsx commitment/tools/writeVectors.ts");
});

test("the vectors cover the cases the forge replay relies on", () => {
  const v = JSON.parse(buildVectors()) as CommitmentVectors;
  assert.equal(v.zeroHashes.length, 65);
  const depths = new Set(v.leafProofs.map((p) => p.depth));
  for (const d of [0, 20, 32, 48]) assert.ok(depths.has(d), `leaf proofs at depth ${d}`);
  const lengths = new Set(v.tensors.map((t) => t.byteLength));
  for (const n of [0, 1, 31, 32, 33, 1000]) assert.ok(lengths.has(n), `tensor of ${n} bytes`);
  assert.equal(v.tensors.find((t) => t.byteLength === 0)?.root, `0x${"00".repeat(32)}`);
  for (const p of v.leafProofs) assert.equal(p.proof.length, p.depth, p.name);
  for (const p of v.subtreeProofs) assert.equal(p.proof.length, p.depth - p.height, p.name);
  assert.ok(v.subtreeWrites.length >= 5, "subtree writes");
  for (const w of v.subtreeWrites) assert.equal(w.proof.length, w.depth - w.height, w.name);
  for (const c of v.composed) {
    // Sorted, aligned, non-overlapping: what Merkle.composeRoot accepts.
    let end = 0;
    c.indices.forEach((index, i) => {
      const start = index * 2 ** c.heights[i];
      assert.ok(start >= end, `${c.name}: subtree ${i} overlaps or is out of order`);
      end = start + 2 ** c.heights[i];
    });
    assert.ok(end <= 2 ** c.depth, c.name);
  }
  const errors = new Set(v.rejections.map((r) => r.revertData.slice(0, 10)));
  assert.equal(errors.size, 3, "rejections cover ProofLengthMismatch, IndexOutOfRange and RootMismatch");
});
