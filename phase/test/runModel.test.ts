import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { SlotTree, tensorSlotLeaf } from "../../commitment/slotTree.ts";
import { compileModel } from "../compileModel.ts";
import { runModel } from "../../dnn-lib/src/runner/runModel.ts";
import { ReferenceBackend, SimdBackend } from "../../dnn-lib/src/runner/Backend.ts";
import { ModelInputError } from "../../dnn-lib/src/runner/errors.ts";
import { runInVm } from "../runInVm.ts";
import { SlotKind } from "../../dnn-lib/src/nodeInput.ts";
import { tinyMixed, tinyMlp } from "../../dnn-lib/models/tiny.ts";
import { NativeRunner } from "../../dnn-lib/src/runner/NativeRunner.ts";
import { Rng } from "../../common/rng.ts";

const input = (seed: number) => {
  const r = new Rng(seed);
  return Uint8Array.from({ length: 16 }, () => r.int(0, 255));
};

describe("phase-1 runner and model commitment", async () => {
  const compiled = await compileModel(tinyMlp());
  const simd = await SimdBackend.create();

  test("the SIMD and reference backends give the same output and the same S_0 … S_N", () => {
    for (const seed of [1, 2, 3]) {
      const a = runModel(compiled, input(seed), new ReferenceBackend());
      const b = runModel(compiled, input(seed), simd);
      assert.deepEqual(b.states, a.states);
      assert.deepEqual(b.output, a.output);
      assert.equal(a.states.length, compiled.model.nodes.length + 1);
      assert.equal(a.output.length, compiled.commitment.outputLength);
    }
  });

  test("S_0 holds only the input slot and S_N holds the output at the committed output slot", () => {
    const run = runModel(compiled, input(4), simd);
    const s0 = new SlotTree();
    s0.setSlot(0, input(4));
    assert.deepEqual(run.states[0], s0.root());
    const proof = new SlotTree();
    run.activations.forEach((a, k) => proof.setSlot(k, a));
    assert.deepEqual(run.states.at(-1), proof.root());
    assert.deepEqual(proof.getSlotLeaf(compiled.commitment.outputSlot), tensorSlotLeaf(run.output));
  });

  test("every node re-run in the VM from its operands halts with the native output (phase 2 = phase 1)", async () => {
    const run = runModel(compiled, input(5), simd);
    for (const [i, node] of compiled.model.nodes.entries()) {
      const operands = node.inputs.map((s) =>
        s.kind === SlotKind.weight ? compiled.model.weights[s.slot]! : run.activations[s.slot]!,
      );
      const vm = await runInVm({
        op: node.op,
        inputs: operands,
        params: node.params,
        inputSlots: node.inputs,
        outputSlot: i + 1,
      });
      assert.equal(vm.status, "halted");
      assert.deepEqual(vm.output, run.activations[i + 1], `node ${i}`);
    }
  });

  test("the commitment: nodeCount, slots, and roots that change when a weight changes", async () => {
    const c = compiled.commitment;
    assert.deepEqual([c.nodeCount, c.inputSlot, c.inputLength, c.outputSlot, c.outputLength], [3, 0, 16, 3, 10]);
    const other = tinyMlp();
    const w0 = other.weights[0]!.slice();
    w0[0]! ^= 1;
    other.weights[0] = w0;
    const c2 = (await compileModel(other)).commitment;
    assert.notDeepEqual(c2.weightsRoot, c.weightsRoot);
    assert.deepEqual([c2.graphRoot, c2.programRoot], [c.graphRoot, c.programRoot]);
    assert.equal(c.programRoot.length, 32);
  });

  test("the resident native runner matches the reference runner on both tiny models, run after run", async () => {
    for (const model of [tinyMlp(), tinyMixed()]) {
      const c = await compileModel(model);
      const native = await NativeRunner.create(c);
      for (const seed of [6, 7]) {
        const r = new Rng(seed);
        const x = Uint8Array.from({ length: model.inputLength }, () => r.int(0, 255));
        const ref = runModel(c, x, new ReferenceBackend());
        const got = native.run(x);
        assert.deepEqual(got.states, ref.states, model.name);
        assert.deepEqual(got.activations, ref.activations, model.name);
        assert.deepEqual(native.infer(x), ref.output, model.name);
      }
      assert.throws(() => native.infer(new Uint8Array(model.inputLength + 1)), ModelInputError);
    }
  });

  test("a wrong-sized input is refused with ModelInputError naming both sizes", () => {
    assert.throws(
      () => runModel(compiled, new Uint8Array(15), simd),
      (e: unknown) => e instanceof ModelInputError && /15 bytes, the model takes 16/.test(e.message),
    );
  });
});
