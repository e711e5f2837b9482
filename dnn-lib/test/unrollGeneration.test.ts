/**
 * Generation models (dnn-lib/src/generation): decode steps with the KV cache compute the
 * decoder's rows bit for bit, generation gives exactly the tokens of recomputing the whole context
 * for every token (greedy and seeded sampling), the reference and the native runner agree on the
 * whole unrolled graph, and what cannot be unrolled or requested is refused, typed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModelSource } from "../models/modelSource.ts";
import { tinyMlp } from "../models/tiny.ts";
import type { Model } from "../src/model/Model.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { runModel } from "../src/runner/runModel.ts";
import { unrollGeneration } from "../src/generation/unrollGeneration.ts";
import { generationShapeOf } from "../src/generation/generationShapeOf.ts";
import { GenerationModelError, GenerationRequestError } from "../src/generation/errors.ts";
import {
  decodeGenerationState,
  encodeGenerationRequest,
  GEN_HEADER_WORDS,
  StopReason,
  type GenerationRequest,
} from "../src/generation/generationState.ts";
import { assertDecodeRows, recompute } from "./decodeTruth.ts";

const decoders = new Map<string, Promise<Model>>();
const decoder = (name: string) => {
  if (!decoders.has(name))
    decoders.set(
      name,
      loadModelSource(name).then((s) => s.model),
    );
  return decoders.get(name)!;
};

for (const [name, context] of [
  ["gpt", 16],
  ["byte-lm", 40],
] as const)
  test(`${name}: decode steps with the KV cache give the decoder's logits, row for row`, async () => {
    await assertDecodeRows(await decoder(name), context, 11);
  });

test("byte-lm: generation with the cache gives exactly the tokens of full recomputation (greedy and sampled)", async () => {
  const model = await decoder("byte-lm");
  const T = model.inputLength / 4;
  const C = 24;
  const gen = unrollGeneration(model, { context: C, maxNew: 16 });
  assert.deepEqual(generationShapeOf(gen.model), { C, maxNew: 16, V: gen.shape.V, endToken: -1 });
  const runner = await NativeRunner.create(compileGraph(gen.model));
  const full = await NativeRunner.create(compileGraph(model));
  const prompt = [...new TextEncoder().encode("Hello, wor")];
  const requests: GenerationRequest[] = [
    { prompt, maxNew: 12 },
    { prompt, maxNew: 12, seed: 3, invTemp: 40_000, topK: 0 },
    { prompt: prompt.slice(0, 3), maxNew: 16, seed: 99, invTemp: 90_000, topK: 5 },
  ];
  for (const req of requests) {
    const input = encodeGenerationRequest(req, { C, V: gen.shape.V, maxNew: 16 });
    const out = runner.infer(input);
    const truth = recompute(full, T, gen.shape.V, runner.run(input).activations[1]!, C, -1);
    assert.deepEqual(out, truth, `request ${JSON.stringify({ ...req, prompt: req.prompt.length })}`);
    const r = decodeGenerationState(out);
    assert.deepEqual(r.prompt, req.prompt);
    assert.equal(r.tokens.length, req.maxNew);
    assert.equal(r.stop, "length");
  }
});

test("gpt: the reference and the native runner agree on every state of a sampled generation", async () => {
  const gen = unrollGeneration(await decoder("gpt"), { context: 12, maxNew: 6 });
  const compiled = compileGraph(gen.model);
  const input = encodeGenerationRequest(
    { prompt: [5, 9, 1], maxNew: 6, seed: 5, invTemp: 30_000, topK: 4 },
    {
      C: 12,
    },
  );
  const native = (await NativeRunner.create(compiled)).run(input);
  const reference = runModel(compiled, input, new ReferenceBackend());
  assert.deepEqual(native.states, reference.states);
  assert.equal(decodeGenerationState(native.output).tokens.length, 6);
});

test("an end token stops generation; later positions leave the state as it is", async () => {
  const model = await decoder("gpt");
  const probe = unrollGeneration(model, { context: 10, maxNew: 8 });
  const runner = await NativeRunner.create(compileGraph(probe.model));
  const input = encodeGenerationRequest({ prompt: [1, 2], maxNew: 8 }, { C: 10 });
  const greedy = decodeGenerationState(runner.infer(input)).tokens;
  const end = greedy[2]!;
  const first = greedy.indexOf(end);
  const stopped = unrollGeneration(model, { context: 10, maxNew: 8, endToken: end });
  const out = decodeGenerationState((await NativeRunner.create(compileGraph(stopped.model))).infer(input));
  assert.equal(out.stop, "endToken");
  assert.deepEqual(out.tokens, greedy.slice(0, first + 1));
});

test("an invalid request is answered with stop = invalid request, not a trap", async () => {
  const gen = unrollGeneration(await decoder("gpt"), { context: 8, maxNew: 4 });
  const runner = await NativeRunner.create(compileGraph(gen.model));
  const input = encodeGenerationRequest({ prompt: [1, 2], maxNew: 4 }, { C: 8 });
  new DataView(input.buffer).setInt32(4 * (GEN_HEADER_WORDS + 1), 9999, true); // out of the vocabulary
  const out = runner.infer(input);
  assert.equal(new DataView(out.buffer).getInt32(4 * 6, true), StopReason.invalid);
  assert.equal(decodeGenerationState(out).tokens.length, 0);
});

test("refuses to unroll a model that is not a decoder, naming the node", async () => {
  assert.throws(() => unrollGeneration(tinyMlp()), GenerationModelError);
  const cnn = await decoder("cnn");
  assert.throws(
    () => unrollGeneration(cnn),
    (e: unknown) => e instanceof GenerationModelError && /node 0/.test(e.message),
  );
  await assert.rejects(async () => unrollGeneration(await decoder("gpt"), { context: 17 }), GenerationModelError);
  await assert.rejects(async () => unrollGeneration(await decoder("gpt"), { maxNew: 16 }), GenerationModelError);
});

test("refuses a generation request the model would mark invalid, naming the field", () => {
  const limits = { C: 8, V: 64, maxNew: 4 };
  const bad = (req: GenerationRequest, re: RegExp) =>
    assert.throws(
      () => encodeGenerationRequest(req, limits),
      (e: unknown) => e instanceof GenerationRequestError && re.test(e.message),
    );
  bad({ prompt: [], maxNew: 1 }, /prompt is empty/);
  bad({ prompt: [1], maxNew: 5 }, /maxNew/);
  bad({ prompt: [1, 2, 3, 4, 5], maxNew: 4 }, /do not fit the context/);
  bad({ prompt: [64], maxNew: 1 }, /prompt token 0/);
  bad({ prompt: [1], maxNew: 1, topK: 65 }, /topK/);
  bad({ prompt: [1], maxNew: 1, invTemp: -1 }, /invTemp/);
  bad({ prompt: [1], maxNew: 1, seed: 2 ** 32 }, /seed/);
});
