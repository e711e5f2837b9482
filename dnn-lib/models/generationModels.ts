/**
 * The demo generation models: a decoder of dnn-lib/models unrolled into cached decode steps and
 * samplers (dnn-lib/src/generation), by name. A request to one is a generation request
 * (docs/protocol.md §4.4); its output, the generation state with the new tokens.
 */
import type { GenerationOptions } from "../src/generation/unrollGeneration.ts";

export interface GenerationModelSpec {
  /** The decoder it unrolls (a demo or trained model name). */
  decoder: string;
  options: Required<Pick<GenerationOptions, "context" | "maxNew">> & GenerationOptions;
  describe: string;
}

export const GENERATION_MODELS: Record<string, GenerationModelSpec> = {
  "byte-lm-generate": {
    decoder: "byte-lm",
    options: { context: 48, maxNew: 32 },
    describe: "byte-lm as a text generator: prompt + new bytes ≤ 48, at most 32 new, greedy or sampled",
  },
  "gpt-generate": {
    decoder: "gpt",
    options: { context: 16, maxNew: 8 },
    describe: "gpt as a token generator: prompt + new tokens ≤ 16, at most 8 new",
  },
};
