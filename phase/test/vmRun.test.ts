import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op, type OpName } from "../../dnn-lib/src/ops.ts";
import { runReference } from "../../dnn-lib/src/reference/runReference.ts";
import { runInVm } from "../runInVm.ts";
import { Rng } from "../../common/rng.ts";
import { randomNode } from "../../dnn-lib/src/randomNode.ts";
import { estimateSteps } from "../../dnn-lib/src/model/estimateSteps.ts";
import { fourWay } from "./fourWay.ts";
import { LAYOUT_OPS, layoutNode } from "./layoutNodes.ts";

describe("phase 2: the VM build run by the project's VM (vm/) agrees with the reference", () => {
  for (const name of Object.keys(Op) as OpName[]) {
    test(`${name}: 3 random and 3 edge-case nodes halt with the reference's output, within the step estimate`, async () => {
      const rng = new Rng(0x0b0e0000 + Op[name]);
      for (let i = 0; i < 6; i++) {
        const node = randomNode(name, rng, i >= 3);
        const run = await runInVm(node);
        assert.equal(run.status, "halted", `${name} case ${i} trapped: ${run.trapReason}`);
        assert.deepEqual(run.output, runReference(node.op, node.inputs, node.params), `${name} case ${i}`);
        const bound = estimateSteps(node.op, node.params);
        assert.ok(run.steps <= bound, `${name} case ${i}: ${run.steps} steps > estimate ${bound}`);
      }
    });
  }
  test("a node with a bad multiplier ends in the trapped state, not an exception", async () => {
    const i8 = new Uint8Array(1);
    const i32 = (v: number) => new Uint8Array(Int32Array.of(v).buffer);
    const run = await runInVm({ op: Op.matmul, inputs: [i8, i8, i32(0), i32(-1), i32(3)], params: [1, 1, 1] });
    assert.equal(run.status, "trapped");
    assert.equal(run.output, null);
  });
});

describe("the copy-bound ops on long, odd and 1-byte rows: four ways equal, within the step estimate", () => {
  for (const name of LAYOUT_OPS) {
    test(`${name}: 2 nodes of 1-byte rows, 3 of rows up to 200 bytes, 2 of rows over 20,000 bytes`, async () => {
      const rng = new Rng(0x1a700000 + Op[name]);
      for (const kind of [0, 0, 1, 1, 1, 2, 2] as const) await fourWay(layoutNode(name, rng, kind));
    });
  }
});
