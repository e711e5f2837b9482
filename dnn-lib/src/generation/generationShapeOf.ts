/**
 * Whether a model is a generation model, and its shape, read from its graph alone: the first node
 * is `genInit` (context C, new-token maximum, vocabulary V) and the last a `genSample` (its end
 * token). What a client needs to write a request and read the output (docs/protocol.md §4.4).
 */
import { Op } from "../ops.ts";
import type { Model } from "../model/Model.ts";
import { stateByteLength } from "./generationState.ts";

export interface GenerationLimits {
  /** Positions of the context: prompt and new tokens together. */
  C: number;
  /** Most new tokens a request may ask for. */
  maxNew: number;
  V: number;
  /** The end token, or −1. */
  endToken: number;
}

/** The model's generation limits, or undefined when it is not a generation model. */
export function generationShapeOf(model: Pick<Model, "nodes" | "inputLength">): GenerationLimits | undefined {
  const first = model.nodes[0];
  const last = model.nodes[model.nodes.length - 1];
  if (first?.op !== Op.genInit || last?.op !== Op.genSample) return undefined;
  const [C, maxNew, V] = first.params as [number, number, number];
  if (model.inputLength !== stateByteLength(C)) return undefined;
  return { C, maxNew, V, endToken: last.params[3]! };
}
