/** What PanelPool and its workers share: the control words' layout and the worker's setup message. */

/** Int32 control words at the start of the shared buffer; the data area follows them. */
export const CTRL = {
  /** Incremented by the pool for each job (and to stop); workers wait on it. */
  seq: 0,
  /** The job (index into the worker's jobs) to run. */
  job: 1,
  /** Workers that finished the current job; the pool waits on it. */
  done: 2,
  /** Set by a worker whose kernel trapped. */
  failed: 3,
  /** Set to stop the workers. */
  stop: 4,
  words: 8,
} as const;

/** One split matmul as a worker sees it: its panel of N weight rows and their requantization. */
export interface PanelJob {
  M: number;
  N: number;
  K: number;
  w: Uint8Array;
  bias: Uint8Array;
  mult: Uint8Array;
  shift: Uint8Array;
}

export interface PanelInit {
  sab: SharedArrayBuffer;
  /** Bytes of the input area at the start of the data area (the largest M·K). */
  inputBytes: number;
  /** Where in the data area this worker writes its panel's output. */
  outOffset: number;
  jobs: PanelJob[];
}
