import type { NativeRunner } from "../src/runner/NativeRunner.ts";
import { GEN_HEADER_WORDS } from "../src/generation/generationState.ts";
import { exp2Table, genSample } from "../src/reference/generation.ts";

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
