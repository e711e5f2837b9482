import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op, type OpName } from "../../dnn-lib/src/ops.ts";
import { runReference } from "../../dnn-lib/src/reference/runReference.ts";
import { kernelProgram, runInVm } from "../runInVm.ts";
import { Machine, proveNext, verifyStep } from "../../vm/index.ts";
import { buildNodeInput, nodeSegments } from "../../dnn-lib/src/nodeInput.ts";
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

test("every step of word copies that cross 32-byte leaves proves: reference step = fast VM = verifyStep", async () => {
  const rng = new Rng(0x1a7e);
  const program = await kernelProgram();
  const nodes = [
    { op: Op.copy, inputs: [rng.bytes(75)], params: [75] }, // a 64-byte block, then the last 64 from byte 11
    { op: Op.concat, inputs: [rng.bytes(74), rng.bytes(26)], params: [2, 37, 13] }, // rows at 37, 50, 87
    { op: Op.slice, inputs: [rng.bytes(60)], params: [3, 20, 3, 7] },
    { op: Op.transpose, inputs: [rng.bytes(70)], params: [5, 7, 2] },
    { op: Op.strided, inputs: [rng.bytes(96)], params: [1, 2, 3, 4, 0, 1, 8, 2, 4, 24] },
    { op: Op.strided, inputs: [rng.bytes(18)], params: [1, 1, 3, 5, 0, 0, 6, 1, 1, 18] }, // rows are copies
  ];
  for (const node of nodes) {
    const image = buildNodeInput(node);
    const m = Machine.create(program, {
      entry: "run",
      memoryPages: image.pages,
      writes: nodeSegments(image).map((s) => ({ address: s.addr, bytes: s.bytes })),
    });
    while (!m.halted && !m.trapped) {
      const p = proveNext(m); // throws where the reference step and the fast VM disagree
      assert.deepEqual(verifyStep(p.preWitness, p.proof), p.postStateHash, `op ${node.op}, step ${p.step}`);
    }
    assert.ok(m.halted, `op ${node.op}: ${m.trapReason}`);
    assert.deepEqual(
      m.readMemory(image.output.addr, image.output.byteLength),
      runReference(node.op, node.inputs, node.params),
    );
  }
});
