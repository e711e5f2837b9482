/**
 * The project's test models: name → generator, calibration/evaluation inputs.
 * `npx tsx dnn-lib/models/generate.ts` writes each as dnn-lib/models/<name>.onnx.
 */
import type { OnnxModel } from "../src/onnx/model.ts";
import type { Feeds } from "../src/onnx/ort.ts";
import { mlpFeeds, mlpModel } from "./mlp.ts";
import { cnnFeeds, cnnModel } from "./cnn.ts";
import { GPT, gptFeeds, gptModel } from "./gpt.ts";
import { ModelNotFoundError } from "./errors.ts";

export interface ModelSpec {
  name: string;
  make: () => OnnxModel;
  /** `n` inputs drawn with `seed` (calibration and evaluation use different seeds). */
  feeds: (seed: number, n: number) => Feeds[];
  /** Name and row length of the logits output. */
  logits: { output: string; classes: number };
}

export const MODELS: Record<string, ModelSpec> = {
  mlp: { name: "mlp", make: mlpModel, feeds: mlpFeeds, logits: { output: "logits", classes: 10 } },
  cnn: { name: "cnn", make: cnnModel, feeds: cnnFeeds, logits: { output: "logits", classes: 10 } },
  gpt: { name: "gpt", make: gptModel, feeds: gptFeeds, logits: { output: "logits", classes: GPT.V } },
};

/** The spec of the project model `name`; a ModelNotFoundError if there is none. */
export function modelSpec(name: string): ModelSpec {
  const spec = MODELS[name];
  if (!spec) throw new ModelNotFoundError(`no project model "${name}"`, { details: Object.keys(MODELS).join(", ") });
  return spec;
}

export const CALIBRATION_SEED = 0xca11b;
export const EVAL_SEED = 0xe7a1;

export function modelPath(name: string): URL {
  return new URL(`./${name}.onnx`, import.meta.url);
}
