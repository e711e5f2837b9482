/**
 * The input token bound (docs/protocol.md §4.1, §8.2): a model whose embedding (`gather`) looks
 * up the input itself as its ids can run only inputs whose int32 little-endian words are all in
 * `[0, V)`; any other input traps the kernel (native and VM alike), so no claim of it exists. The
 * bound is a function of the graph (committed in graphRoot), registered beside `inputLength` so
 * that the oracle refuses such a request, and checked here by the SDK and the runner before any
 * run. 0 = no bound (the input is not token ids, or a request validates its own, as a generation
 * model's `genInit` does).
 */
import { OpmlError } from "../../../common/errors.ts";
import { SlotKind } from "../nodeInput.ts";
import { Op, paramsOf } from "../ops.ts";
import type { Model } from "./Model.ts";

/** The least `V` of the gather nodes whose ids are the input (activation slot 0), or 0 if none. */
export function inputTokenBound(model: Pick<Model, "nodes">): number {
  let bound = 0;
  for (const n of model.nodes) {
    const ids = n.inputs[1];
    if (n.op !== Op.gather || ids?.kind !== SlotKind.activation || ids.slot !== 0) continue;
    const { V } = paramsOf(Op.gather, n.params);
    bound = bound === 0 ? V : Math.min(bound, V);
  }
  return bound;
}

/** An input token id the model cannot look up: its word position, its value and the bound. */
export class InputTokenOutOfRangeError extends OpmlError {
  override name = "InputTokenOutOfRangeError";
  readonly position: number;
  readonly value: number;
  readonly bound: number;
  constructor(position: number, value: number, bound: number, cause?: unknown) {
    super(`input token ${position} is ${value}, outside the model's range [0, ${bound})`, {
      details: "the input is int32 little-endian token ids; an id outside the vocabulary has no embedding row",
      cause,
    });
    this.position = position;
    this.value = value;
    this.bound = bound;
  }
}

/**
 * Throws {@link InputTokenOutOfRangeError} at the first int32 little-endian word of `input` not in
 * `[0, bound)`; a bound of 0 accepts anything. The oracle's own check (`InputTokenOutOfRange`).
 */
export function checkInputTokens(input: Uint8Array, bound: number): void {
  if (bound === 0) return;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let i = 0; 4 * i + 4 <= input.length; i++) {
    const v = view.getInt32(4 * i, true);
    if (v < 0 || v >= bound) throw new InputTokenOutOfRangeError(i, v, bound);
  }
}
