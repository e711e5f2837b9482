/**
 * Grouped-query decoders (the LLaMA builder of dnn-lib/models/decoderShapes.ts with fewer key/value
 * heads than query heads) unrolled into generation models: the caches hold the G key/value heads
 * (H/G times smaller than the heads repeated to H), `attnCache` gets that G, the repeat view is no
 * node of a decode step, and the decode steps still compute the decoder's rows bit for bit — so
 * generation gives exactly the tokens of full recomputation, the reference and the native runner
 * agreeing on every state. A view that repeats the heads in another order is not taken for a
 * head repeat.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decoderModel, type DecoderShape } from "../models/decoderShapes.ts";
import type { Model } from "../src/model/Model.ts";
import { Op } from "../src/ops.ts";
import { blockSize } from "../src/nodeInput.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { runModel } from "../src/runner/runModel.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { encodeGenerationRequest, type GenerationRequest } from "../src/generation/generationState.ts";
import { assertDecodeRows, recompute } from "./decodeTruth.ts";

const H = 4;
const Dh = 32;
const shape = (kvHeads: number): DecoderShape => ({
  name: `gqa-${H}-${kvHeads}`,
  d: H * Dh,
  layers: 2,
  heads: H,
  kvHeads,
  ffn: 128,
  vocab: 64,
  T: 16,
});
const C = 12;
const options = { context: C, maxNew: C - 1 };
const attnCaches = (m: Model) => m.nodes.filter((n) => n.op === Op.attnCache);

const mha = unrollGeneration(decoderModel(shape(H), { zero: true }), options);

for (const G of [2, 1])
  test(`GQA, ${H} heads over ${G} key/value head(s): the caches hold ${G} head${G > 1 ? "s" : ""}, H/G times smaller, and the repeat is no node`, () => {
    const gen = unrollGeneration(decoderModel(shape(G), { zero: true }), options);
    const nodes = attnCaches(gen.model);
    assert.equal(nodes.length, 2 * (C - 1));
    for (const n of nodes) assert.deepEqual(n.params.slice(0, 5), [H, Dh, G, C, blockSize(G * Dh)]);
    for (const n of gen.model.nodes.filter((n) => n.into))
      assert.equal(n.params[0], G * Dh, "a cache write copies G heads");
    assert.deepEqual(gen.model.caches, Array<number>(4).fill(C * blockSize(G * Dh)));
    assert.deepEqual(
      gen.model.caches,
      mha.model.caches!.map((b) => b / (H / G)),
    );
    // The same graph as multi-head attention's, but for the repeat: no node more per position.
    assert.equal(gen.shape.nodesPerToken, mha.shape.nodesPerToken);
    assert.equal(gen.model.nodes.length, mha.model.nodes.length);
    assert.ok(!gen.model.nodes.some((n) => n.op === Op.strided && n.params.slice(4, 8).includes(0)), "no repeat view");
  });

for (const G of [2, 1])
  test(`GQA over ${G} key/value head(s): decode steps with G-head caches give the decoder's logits, row for row`, async () => {
    const dec = await assertDecodeRows(decoderModel(shape(G), { seed: 40 + G }), C, 7 + G);
    assert.ok(attnCaches(dec).every((n) => n.params[2] === G));
  });

/** Greedy and sampled requests: the cached generation's states against recomputation; the reference's against the native runner's. */
async function generatesAsRecomputation(decoder: Model, G: number): Promise<void> {
  const gen = unrollGeneration(decoder, options);
  assert.ok(attnCaches(gen.model).every((n) => n.params[2] === G));
  const compiled = compileGraph(gen.model);
  const runner = await NativeRunner.create(compiled);
  const full = await NativeRunner.create(compileGraph(decoder));
  const requests: GenerationRequest[] = [
    { prompt: [3, 17, 40], maxNew: 9 },
    { prompt: [5], maxNew: 11, seed: 21, invTemp: 60_000, topK: 0 },
  ];
  const generated: number[] = [];
  for (const req of requests) {
    const input = encodeGenerationRequest(req, { C, V: gen.shape.V, maxNew: C - 1 });
    const run = runner.run(input);
    const truth = recompute(full, decoder.inputLength / 4, gen.shape.V, run.activations[1]!, C, -1);
    assert.deepEqual(run.output, truth, `request ${JSON.stringify(req)}`);
    assert.deepEqual(runModel(compiled, input, new ReferenceBackend()).states, run.states, "reference ≡ native");
    generated.push(...new Int32Array(run.output.slice().buffer).subarray(8 + req.prompt.length));
  }
  assert.ok(new Set(generated).size > 2, `the tokens vary (${generated})`);
}

for (const G of [2, 1])
  test(`GQA over ${G} key/value head(s): generation gives exactly the tokens of full recomputation; reference ≡ native`, () =>
    generatesAsRecomputation(decoderModel(shape(G), { seed: 40 + G }), G));

test("a view repeating the key/value heads in another order (head h reads group h mod G) keeps H-head caches, exactly", async () => {
  const G = 2;
  const decoder = decoderModel(shape(G), { seed: 42 });
  let changed = 0;
  for (const n of decoder.nodes)
    if (n.op === Op.strided && n.params[5] === 0) {
      // [G][H/G][T][Dh] over strides [Dh, 0, ..] becomes [H/G][G][T][Dh] over [0, Dh, ..].
      n.params = [H / G, G, n.params[2]!, n.params[3]!, 0, Dh, ...n.params.slice(6)];
      changed++;
    }
  assert.equal(changed, 4);
  await generatesAsRecomputation(decoder, H);
});
