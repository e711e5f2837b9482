import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModelSource } from "../../dnn-lib/models/modelSource.ts";
import { unrollGeneration } from "../../dnn-lib/src/generation/unrollGeneration.ts";
import { encodeGenerationRequest } from "../../dnn-lib/src/generation/generationState.ts";
import { compileGraph } from "../../dnn-lib/src/model/compileGraph.ts";
import { estimateSteps } from "../../dnn-lib/src/model/estimateSteps.ts";
import { NativeRunner } from "../../dnn-lib/src/runner/NativeRunner.ts";
import { GraphState } from "../../dnn-lib/src/model/GraphState.ts";
import { runInVm } from "../runInVm.ts";
import { decoderModel } from "../../dnn-lib/models/decoderShapes.ts";
import { Op } from "../../dnn-lib/src/ops.ts";

// A generation model's nodes run in the project's VM give the native runner's rows: the request
// check, one whole decode step of byte-lm past the first position (rotary at its position, the
// rows written in place into the caches, attention over the cache, the layers) and its sampler, and the last sampler —
// so a dispute over any token's node ends on the same bytes the submitter computed.
test("byte-lm generation: genInit, a whole decode step with its cache and the samplers run in the VM as natively", async () => {
  const { model: decoder } = await loadModelSource("byte-lm");
  const gen = unrollGeneration(decoder, { context: 8, maxNew: 5 });
  const compiled = compileGraph(gen.model);
  const input = encodeGenerationRequest(
    { prompt: [72, 105, 33], maxNew: 5, seed: 1, invTemp: 50_000, topK: 3 },
    {
      C: 8,
    },
  );
  const run = (await NativeRunner.create(compiled)).run(input);
  const { nodes, weights } = compiled.model;
  // Position 2's step: from the node after position 1's logits' sampler to position 2's sampler.
  const from = gen.logitsSlots[1]! + 1;
  const to = gen.logitsSlots[2]! + 1;
  const picked = new Set([0, ...Array.from({ length: to - from }, (_, k) => from + k), nodes.length - 1]);
  const state = new GraphState(compiled.model, run.activations[0]!);
  for (const [i, node] of nodes.entries()) {
    if (picked.has(i)) {
      const operands = state.operands(node, run.activations, weights);
      const vm = await runInVm({ op: node.op, inputs: operands, params: node.params });
      assert.equal(vm.status, "halted", `node ${i}: ${vm.trapReason}`);
      assert.deepEqual(vm.output, run.activations[i + 1], `node ${i} (op ${node.op})`);
      assert.ok(vm.steps <= estimateSteps(node.op, node.params), `node ${i}: ${vm.steps} steps over the estimate`);
    }
    state.write(i, run.activations[i + 1]!);
  }
  assert.ok(
    nodes.slice(from, to).some((n) => n.into),
    "the step writes its cache rows in place",
  );
  // byte-lm's 4 heads share 2 key/value heads: its caches hold the 2 (attnCache's G).
  assert.ok(
    nodes.slice(from, to).some((n) => n.op === Op.attnCache && n.params[2]! < n.params[0]!),
    "the step attends over grouped-query caches",
  );
});

// Multi-query attention (one key/value head for all four): every cache write and every attnCache
// node of the last position, run in the VM, gives the native runner's bytes.
test("a multi-query decoder's cache writes and attnCache nodes (G = 1) run in the VM as natively", async () => {
  const shape = { name: "mqa", d: 128, layers: 2, heads: 4, kvHeads: 1, ffn: 128, vocab: 64, T: 8 };
  const gen = unrollGeneration(decoderModel(shape, { seed: 5 }), { context: 8, maxNew: 6 });
  const compiled = compileGraph(gen.model);
  const input = encodeGenerationRequest({ prompt: [9, 30], maxNew: 6, seed: 2, invTemp: 40_000, topK: 0 }, { C: 8 });
  const run = (await NativeRunner.create(compiled)).run(input);
  const { nodes, weights } = compiled.model;
  const from = gen.logitsSlots[5]! + 1;
  const state = new GraphState(compiled.model, run.activations[0]!);
  let checked = 0;
  for (const [i, node] of nodes.entries()) {
    if (i >= from && (node.into || node.op === Op.attnCache)) {
      if (node.op === Op.attnCache) assert.equal(node.params[2], 1, `node ${i}: G`);
      const operands = state.operands(node, run.activations, weights);
      const vm = await runInVm({ op: node.op, inputs: operands, params: node.params });
      assert.equal(vm.status, "halted", `node ${i}: ${vm.trapReason}`);
      assert.deepEqual(vm.output, run.activations[i + 1], `node ${i} (op ${node.op})`);
      assert.ok(vm.steps <= estimateSteps(node.op, node.params), `node ${i}: ${vm.steps} steps over the estimate`);
      checked++;
    }
    state.write(i, run.activations[i + 1]!);
  }
  assert.equal(checked, 2 * 3, "two layers' two cache writes and attnCache");
});
