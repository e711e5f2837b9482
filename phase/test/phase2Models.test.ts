/**
 * Phase 2 over every node of every dnn-lib ONNX test model (mlp, cnn, gpt; quantized as
 * dnn-lib/test/onnxModels.test.ts does): the VM, started from the initial state the phase
 * boundary defines, halts with the native runner's output bits at every node, and the output
 * slot written into S_i gives the native S_{i+1}.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SlotTree } from "../../commitment/slotTree.ts";
import { readOnnx } from "../../dnn-lib/src/onnx/model.ts";
import { quantizeModel } from "../../dnn-lib/src/onnx/quantize.ts";
import { quantizeFeeds } from "../../dnn-lib/src/onnx/runQuant.ts";
import { toModel } from "../../dnn-lib/src/onnx/toModel.ts";
import { CALIBRATION_SEED, EVAL_SEED, modelPath, modelSpec } from "../../dnn-lib/models/index.ts";
import { compileModel } from "../compileModel.ts";
import { runModel } from "../../dnn-lib/src/runner/runModel.ts";
import { SimdBackend } from "../../dnn-lib/src/runner/Backend.ts";
import { kernelProgram } from "../runInVm.ts";
import { SlotKind } from "../../dnn-lib/src/nodeInput.ts";
import { runPhase2 } from "../phase2.ts";

describe("phase 2 over every node of the ONNX test models", { timeout: 900_000 }, async () => {
  const program = await kernelProgram();
  const simd = await SimdBackend.create();
  for (const name of ["mlp", "cnn", "gpt"]) {
    test(`${name}: at every node the VM's output bits equal the native runner's and the exit gives the native S_{i+1}`, async () => {
      const spec = modelSpec(name);
      const g = await quantizeModel(readOnnx(readFileSync(modelPath(name))), spec.feeds(CALIBRATION_SEED, 8));
      const compiled = await compileModel(toModel(g));
      const input = quantizeFeeds(g, spec.feeds(EVAL_SEED, 1)[0]!).get(g.inputs[0]!.id)!;
      const native = runModel(compiled, input, simd);
      const graph = new SlotTree();
      compiled.layouts.forEach((l, i) => graph.setSlot(i, l.descriptor));
      const weights = new SlotTree();
      compiled.model.weights.forEach((w, k) => weights.setSlot(k, w));
      const state = new SlotTree();
      state.setSlot(0, input);
      let steps = 0;
      const t0 = Date.now();
      for (const [i, node] of compiled.model.nodes.entries()) {
        const operands = node.inputs.map((s) =>
          s.kind === SlotKind.weight ? compiled.model.weights[s.slot]! : native.activations[s.slot]!,
        );
        const run = runPhase2(program, { graph, weights, state }, i, compiled.layouts[i]!, operands);
        assert.equal(run.status, "halted", `${name} node ${i} (op ${node.op}): ${run.machine.trapReason}`);
        assert.deepEqual(run.output, native.activations[i + 1], `${name} node ${i} (op ${node.op}) output`);
        assert.deepEqual(run.exit!.nextState, native.states[i + 1], `${name} S_${i + 1}`);
        steps += run.steps;
        state.setSlot(i + 1, native.activations[i + 1]!);
      }
      console.log(
        `${name}: ${compiled.model.nodes.length} nodes, ${steps} VM steps, phase 2 of every node in ${Date.now() - t0} ms`,
      );
    });
  }
});
