/**
 * What a cached decoding is checked against: the decoder's own rows, and the tokens of recomputing
 * the whole context for every new token.
 */
import assert from "node:assert/strict";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import type { Model } from "../src/model/Model.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { unrollDecoding } from "../src/generation/unrollGeneration.ts";
import { GEN_HEADER_WORDS } from "../src/generation/generationState.ts";
import { exp2Table, genSample } from "../src/reference/generation.ts";
import { Rng } from "../../common/rng.ts";

/**
 * Unrolls `decoder` into decode steps over `context` positions and asserts, on two random id
 * sequences (ids below 64, drawn from `seed`), that each position's logits row is the decoder's
 * row bit for bit. Returns the unrolled model.
 */
export async function assertDecodeRows(decoder: Model, context: number, seed: number): Promise<Model> {
  const T = decoder.inputLength / 4;
  const dec = unrollDecoding(decoder, context);
  const full = await NativeRunner.create(compileGraph(decoder));
  const steps = await NativeRunner.create(compileGraph(dec.model));
  const rng = new Rng(seed);
  for (let trial = 0; trial < 2; trial++) {
    const ids = Int32Array.from({ length: T }, () => rng.below(64));
    const logits = full.infer(new Uint8Array(ids.buffer));
    const V = logits.length / T;
    const run = steps.run(new Uint8Array(ids.buffer, 0, 4 * context));
    dec.logitsSlots.forEach((slot, p) =>
      assert.deepEqual(run.activations[slot], logits.subarray(p * V, (p + 1) * V), `position ${p}`),
    );
  }
  return dec.model;
}

/**
 * The tokens of decoding without a cache: the whole decoder rerun on the context so far for every
 * new token, the sampler (the reference genSample) applied to the last row.
 */
export function recompute(
  full: NativeRunner,
  T: number,
  V: number,
  state0: Uint8Array,
  C: number,
  endToken: number,
): Uint8Array {
  let state = state0;
  const exp2 = exp2Table();
  for (let p = 0; p <= C - 2; p++) {
    const ids = new Int32Array(T);
    ids.set(new Int32Array(state.slice().buffer).subarray(GEN_HEADER_WORDS, GEN_HEADER_WORDS + p + 1));
    const row = full.infer(new Uint8Array(ids.buffer)).subarray(p * V, (p + 1) * V);
    state = new Uint8Array(
      genSample(new Int32Array(state.slice().buffer), new Int8Array(row.slice().buffer), exp2, {
        C,
        V,
        pos: p,
        eos: endToken,
      }).buffer,
    );
  }
  return state;
}
