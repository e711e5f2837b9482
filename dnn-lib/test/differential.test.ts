import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op, inputByteLengths, type OpName } from "../src/ops.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runKernel } from "../src/runKernel.ts";
import { Rng } from "../../common/rng.ts";
import { randomNode } from "../src/randomNode.ts";

const CASES = 24;

describe("three-way differential: reference = VM build = SIMD build, bit for bit", () => {
  for (const name of Object.keys(Op) as OpName[]) {
    test(`${name}: ${CASES} seeded random nodes and ${CASES} edge-case nodes agree`, async () => {
      const rng = new Rng(0x5eed0000 + Op[name]);
      for (let i = 0; i < 2 * CASES; i++) {
        const node = randomNode(name, rng, i >= CASES);
        const ref = runReference(node.op, node.inputs, node.params);
        const vm = await runKernel("vm", node);
        const simd = await runKernel("simd", node);
        const what = `${name} case ${i} params [${node.params.join(", ")}]`;
        assert.deepEqual(
          inputByteLengths(node.op, node.params),
          node.inputs.map((b) => b.length),
          what,
        );
        assert.deepEqual(vm, ref, `VM build differs from the reference: ${what}`);
        assert.deepEqual(simd, ref, `SIMD build differs from the reference: ${what}`);
      }
    });
  }
});
