/**
 * Calibration: onnxruntime runs the float model on each calibration input with every node output
 * added as a graph output (ort.ts `runAllTensors`); the lowering reads each tensor's shape and
 * largest magnitude (the per-tensor scale, docs/fixed-point.md §1) from what is recorded here.
 */
import type { OnnxModel } from "./model.ts";
import { runAllTensors, type Feeds } from "./ort.ts";
import { OnnxRunError } from "./errors.ts";
import { maxAbs } from "./quantMath.ts";

export interface Calibration {
  dims: Map<string, number[]>;
  maxAbs: Map<string, number>;
}

/** Runs onnxruntime on every calibration feed and records each tensor's dims and largest magnitude. */
export async function calibrate(model: OnnxModel, feeds: Feeds[]): Promise<Calibration> {
  if (feeds.length === 0) throw new OnnxRunError("calibration needs at least one input");
  const dims = new Map<string, number[]>();
  const mx = new Map<string, number>();
  for (const rec of await runAllTensors(model, feeds))
    for (const [name, t] of Object.entries(rec)) {
      const prev = dims.get(name);
      if (prev && prev.join() !== t.dims.join())
        throw new OnnxRunError(`tensor ${name} changes shape across calibration inputs`, {
          details: `[${prev}] vs [${t.dims}]`,
        });
      dims.set(name, t.dims);
      if (t.data instanceof Float32Array) mx.set(name, Math.max(mx.get(name) ?? 0, maxAbs(t.data)));
    }
  return { dims, maxAbs: mx };
}
