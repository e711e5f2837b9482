/**
 * The quantizing importer: an ONNX float graph plus a calibration set becomes a QuantGraph
 * (QuantGraph.ts), a flat list of dnn-lib nodes over int8/int32/int16 tensors with every weight,
 * bias, multiplier, shift and table as a constant tensor.
 *
 * Scales: per-tensor symmetric activations from the calibration maximum (docs/fixed-point.md §1,
 * calibrate.ts), per-output-channel int8 weights, int32 biases at the accumulator scale,
 * multiplier + shift for every requantization (§2), LUTs and exp tables built for the calibrated
 * scales (§4). The lowering (lower/lowerModel.ts) is one handler per ONNX op type (lower/ops/,
 * registered in lower/opHandlers.ts) and one file per fused subgraph (lower/fusions/: causal
 * attention, GELU written with Erf, rotate-half rotary, the int16 residual stream, MatMul + bias).
 * Shape-only ops and multiplication by a positive scalar constant change no byte: they alias the
 * tensor (the latter with a new scale). docs/fixed-point.md §6 lists what each op becomes.
 *
 * This module is the importer's entry point: it also re-exports the pieces callers name.
 */
import type { OnnxModel } from "./model.ts";
import type { Feeds } from "./ort.ts";
import { calibrate } from "./calibrate.ts";
import { lowerModel, type LowerOptions } from "./lower/lowerModel.ts";
import type { QuantGraph } from "./QuantGraph.ts";

export type { QDType, QTensor, QNode, QGraphIO, QuantGraph } from "./QuantGraph.ts";
export { calibrate, type Calibration } from "./calibrate.ts";
export { lowerModel, type LowerOptions } from "./lower/lowerModel.ts";

/** Quantizes `model` for the calibration `feeds` (see the module comment). */
export async function quantizeModel(model: OnnxModel, feeds: Feeds[], opts: LowerOptions = {}): Promise<QuantGraph> {
  return lowerModel(model, await calibrate(model, feeds), opts);
}
