import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { keccak256 as viemKeccak } from "viem";
import { buildKeccakWasm, renderModule } from "../keccak/build.ts";
import { hashPairsInto, hashNode } from "../hash.ts";
import { Rng } from "../../common/rng.ts";

test("the committed keccakWasm.ts is what keccak.as.ts builds to", async () => {
  const fresh = renderModule(await buildKeccakWasm());
  const committed = readFileSync(new URL("../keccak/keccakWasm.ts", import.meta.url), "utf8");
  assert.equal(committed, fresh, "run: npx tsx commitment/keccak/build.ts");
});

test("batched pair hashing equals viem's keccak256 of each 64-byte pair, both SIMD lanes and across batch boundaries", () => {
  const rng = new Rng(11);
  for (const n of [1, 2, 3, 100, 32768, 32769, 40000]) {
    const src = rng.bytes(n * 64);
    const dst = new Uint8Array(n * 32 + 7);
    hashPairsInto(src, 0, n, dst, 7);
    // Every pair for small n (both SIMD lanes, the odd scalar tail); samples of the large ones.
    const picks = n <= 100 ? [...Array(n).keys()] : [0, 1, n >> 1, (n >> 1) + 1, n - 2, n - 1];
    for (const i of picks) {
      assert.deepEqual(
        dst.subarray(7 + i * 32, 7 + i * 32 + 32),
        viemKeccak(src.subarray(i * 64, i * 64 + 64), "bytes"),
        `n=${n} i=${i}`,
      );
    }
  }
  const l = rng.bytes(32);
  const r = rng.bytes(32);
  assert.deepEqual(hashNode(l, r), viemKeccak(new Uint8Array([...l, ...r]), "bytes"));
});
