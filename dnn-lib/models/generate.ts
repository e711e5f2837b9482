/** Writes every project model as dnn-lib/models/<name>.onnx (deterministic: same generator, same bytes). */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeOnnx } from "../src/onnx/model.ts";
import { MODELS, modelPath } from "./index.ts";

const only = process.argv.slice(2);
for (const spec of Object.values(MODELS)) {
  if (only.length && !only.includes(spec.name)) continue;
  const bytes = writeOnnx(spec.make());
  writeFileSync(modelPath(spec.name), bytes);
  process.stdout.write(`${fileURLToPath(modelPath(spec.name))}: ${bytes.length} bytes\n`);
}
