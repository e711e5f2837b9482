import { test } from "node:test";
import assert from "node:assert/strict";
import { measureErrors } from "../tools/measureError.ts";

test("softmax, layernorm and rmsnorm stay within the spec's bound against float (softmax ≤ 0.51 LSB, norms ≤ 0.55 LSB)", () => {
  for (const row of measureErrors(16)) {
    const bound = row.op === "softmax" ? 0.51 : 0.55;
    assert.ok(row.maxLsb <= bound, `${row.op} ${row.shape}: max error ${row.maxLsb} LSB > ${bound}`);
  }
});
