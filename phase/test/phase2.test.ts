import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SlotTree } from "../../commitment/slotTree.ts";
import { tensorRoot } from "../../commitment/tensorRoot.ts";
import { compileModel } from "../compileModel.ts";
import { runModel } from "../../dnn-lib/src/runner/runModel.ts";
import { ReferenceBackend, SimdBackend } from "../../dnn-lib/src/runner/Backend.ts";
import { kernelProgram } from "../runInVm.ts";
import { programRoot } from "../programRoot.ts";
import { Op, type OpName } from "../../dnn-lib/src/ops.ts";
import { layoutNode, SlotKind } from "../../dnn-lib/src/nodeInput.ts";
import { tinyMlp } from "../../dnn-lib/models/tiny.ts";
import { Rng } from "../../common/rng.ts";
import { randomNode } from "../../dnn-lib/src/randomNode.ts";
import { programImage, runPhase2, STATIC_HEIGHT, LINEAR_HEIGHT } from "../phase2.ts";
import { zeroHash } from "../../commitment/zeroHashes.ts";
import { rootFromSubtree } from "../../commitment/verify.ts";
import { hashNode } from "../../commitment/hash.ts";

describe("phase 2 of one node: initial state from the node input, run, exit", async () => {
  const program = await kernelProgram();

  test("the program image's root is programRoot and its linear memory is zero above DESC_ADDR", async () => {
    const image = programImage(program);
    assert.deepEqual(image.root(), await programRoot());
    // [static][zeros] climbed with the 3 linear-memory siblings gives programRoot (what the contract checks).
    let linear = image.subtreeRoot(0, STATIC_HEIGHT);
    for (let h = STATIC_HEIGHT; h < LINEAR_HEIGHT; h++) linear = hashNode(linear, zeroHash(h));
    assert.deepEqual(rootFromSubtree(linear, 0, LINEAR_HEIGHT, image.proveSubtree(0, LINEAR_HEIGHT)), image.root());
  });

  test("every node of tiny-mlp: VM output bits equal the native output, and the output slot written into S_i gives the native S_{i+1}", async () => {
    const compiled = await compileModel(tinyMlp());
    const r = new Rng(7);
    const input = Uint8Array.from({ length: compiled.model.inputLength }, () => r.int(0, 255));
    const native = runModel(compiled, input, await SimdBackend.create());
    const graph = new SlotTree();
    compiled.layouts.forEach((l, i) => graph.setSlot(i, l.descriptor));
    const weights = new SlotTree();
    compiled.model.weights.forEach((w, k) => weights.setSlot(k, w));
    assert.deepEqual(graph.root(), compiled.commitment.graphRoot);
    assert.deepEqual(weights.root(), compiled.commitment.weightsRoot);
    const state = new SlotTree();
    state.setSlot(0, input);
    for (const [i, node] of compiled.model.nodes.entries()) {
      assert.deepEqual(state.root(), native.states[i], `S_${i}`);
      const operands = node.inputs.map((s) =>
        s.kind === SlotKind.weight ? compiled.model.weights[s.slot]! : native.activations[s.slot]!,
      );
      const run = runPhase2(program, { graph, weights, state }, i, compiled.layouts[i]!, operands);
      assert.equal(run.status, "halted", `node ${i}: ${run.machine.trapReason}`);
      assert.deepEqual(run.output, native.activations[i + 1], `node ${i} output`);
      assert.deepEqual(run.exit!.outputRoot, tensorRoot(native.activations[i + 1]!));
      assert.deepEqual(run.exit!.nextState, native.states[i + 1], `S_${i + 1}`);
      assert.equal(run.initialStateHash[0], 0, "initial state is running");
      assert.equal(run.finalStateHash[0], 1, "final state is halted");
      state.setSlot(i + 1, native.activations[i + 1]!);
    }
  });

  test("a random node of every op: VM output bits equal the reference output, and the exit gives S_i with the reference output slot", async () => {
    const ops = Object.keys(Op) as OpName[];
    const r = new Rng(11);
    const ref = new ReferenceBackend();
    for (const name of ops) {
      const spec = randomNode(name, r, false);
      // Operands alternate between activation slots of S_i and weight slots; node 3 writes slot 9.
      const inputSlots = spec.inputs.map((_, j) => ({
        kind: j % 2 === 0 ? SlotKind.activation : SlotKind.weight,
        slot: j + 1,
      }));
      const layout = layoutNode({ ...spec, inputLengths: spec.inputs.map((b) => b.length), inputSlots, outputSlot: 9 });
      const graph = new SlotTree();
      graph.setSlot(3, layout.descriptor);
      const weights = new SlotTree();
      const state = new SlotTree();
      state.setSlot(0, Uint8Array.of(1, 2, 3));
      inputSlots.forEach((s, j) => (s.kind === SlotKind.weight ? weights : state).setSlot(j + 1, spec.inputs[j]!));
      const run = runPhase2(program, { graph, weights, state }, 3, layout, spec.inputs);
      assert.equal(run.status, "halted", `${name}: ${run.machine.trapReason}`);
      const want = ref.runNode(spec.op, spec.inputs, spec.params);
      assert.deepEqual(run.output, want, `${name} output`);
      const next = new SlotTree();
      next.setSlot(0, Uint8Array.of(1, 2, 3));
      inputSlots.forEach((s, j) => s.kind === SlotKind.activation && next.setSlot(j + 1, spec.inputs[j]!));
      next.setSlot(9, want);
      assert.deepEqual(run.exit!.nextState, next.root(), `${name} S_next`);
    }
  });
});

test("the forge vectors (contracts/test/phase/PhaseVectors.sol) are of the current kernel build: regenerate with phase/tools/writePhaseVectors.ts", async () => {
  const sol = readFileSync(new URL("../../contracts/test/phase/PhaseVectors.sol", import.meta.url), "utf8");
  const root = Buffer.from(await programRoot()).toString("hex");
  assert.ok(sol.includes(`0x${root}`), `PhaseVectors.sol does not carry programRoot 0x${root}`);
});
