import { OpmlError } from "../../../common/errors.ts";

/**
 * A model cannot be unrolled into a generation graph: its input is not token ids, its output not
 * one row of logits per position, or a node mixes positions in a way the unroller cannot slice.
 */
export class GenerationModelError extends OpmlError {
  override name = "GenerationModelError";
}

/** A generation request or a generation state is malformed (docs/protocol.md §4.4). */
export class GenerationRequestError extends OpmlError {
  override name = "GenerationRequestError";
}
