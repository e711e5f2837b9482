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
  /** Where the runner leaves the slot leaves it computed, 32 bytes per node, in the data area. */
  leavesOffset: number;
  /** Byte offset in `sab` of one Int32 claim word per node (CLAIM). */
  claimsOffset: number;
}

/**
 * Who computes a node's slot leaf, per node and run: the worker going forward from node 0, the
 * runner (once its nodes are done) going back from the last. Each takes a node by compare-and-swap
 * from `free`, so no leaf is computed twice; a cache writer's leaf is always the worker's.
 */
export const CLAIM = { free: 0, runner: 1, runnerDone: 2, worker: 3 } as const;
