/** What StateThread and its worker share: the control words' layout and the worker's setup message. */
import type { Model } from "../model/Model.ts";

/** Int32 control words at the start of the shared buffer; the data area follows them. */
export const SCTRL = {
  /** Incremented by the runner for each run (and to stop); the worker waits on it. */
  seq: 0,
  /** Node outputs written into the data area in this run; −1 when the run was abandoned. */
  produced: 1,
  /** States S_0 … written by the worker in this run. */
  done: 2,
  /** Set by the worker when computing a state threw (the runner then hashes on its own thread). */
  failed: 3,
  /** Set to stop the worker. */
  stop: 4,
  /** The last run (its seq) the worker is through with: completed, failed or abandoned. */
  finished: 5,
  words: 8,
} as const;

export interface StateInit {
  sab: SharedArrayBuffer;
  model: Pick<Model, "nodes" | "caches">;
  /** Byte length of the input, at the start of the data area. */
  inputLength: number;
  /** Each node's output region in the data area: offset and byte length. */
  outOffsets: number[];
  outLengths: number[];
  /** Where S_0 … S_N go in the data area, 32 bytes each. */
  statesOffset: number;
}
