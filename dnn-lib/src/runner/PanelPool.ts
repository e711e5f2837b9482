/**
 * Worker threads for the native runner's large matmuls: each such node's output columns are cut
 * into one panel per thread. Worker p (p ≥ 1) holds a copy of panel p's weight rows and
 * requantization in its own kernel instance; the runner's thread computes panel 0 in the model's
 * instance. Per node the input rows go through shared memory, the threads meet on Atomics, and the
 * panels are written back into the node's output rows. Each output column is the same kernel's
 * computation of that column alone, so the bits are the single-thread runner's.
 */
import { Worker } from "node:worker_threads";
import { SlotKind } from "../nodeInput.ts";
import { Op } from "../ops.ts";
import type { Model } from "../model/Model.ts";
import { DnnKernelTrapError } from "../errors.ts";
import { CTRL, type PanelInit, type PanelJob } from "./panelProtocol.ts";

/** A split node: its shape and its T + 1 column cuts (panel p is columns [cuts[p], cuts[p+1])). */
export interface PanelSplit {
  M: number;
  N: number;
  K: number;
  cuts: number[];
}

/** The default of NativeRunnerOptions.minPanelMacs: below this a node runs on one thread. */
export const DEFAULT_MIN_PANEL_MACS = 1 << 20;

/** Column cuts of N into `threads` panels, each a multiple of 4 columns but the last. */
function cutsOf(N: number, threads: number): number[] {
  const step = Math.ceil(N / threads / 4) * 4;
  return Array.from({ length: threads + 1 }, (_, p) => Math.min(N, p * step));
}

/** The nodes worth splitting: matmuls of weights (not cache writers) with enough work and columns. */
export function panelSplits(model: Pick<Model, "nodes">, threads: number, minMacs: number): Map<number, PanelSplit> {
  const splits = new Map<number, PanelSplit>();
  if (threads < 2) return splits;
  model.nodes.forEach((node, i) => {
    if (node.op !== Op.matmul || node.into || !node.inputs.slice(1).every((s) => s.kind === SlotKind.weight)) return;
    const [M, N, K] = node.params as [number, number, number];
    if (M * N * K < minMacs || N < 8 * threads) return;
    splits.set(i, { M, N, K, cuts: cutsOf(N, threads) });
  });
  return splits;
}

export class PanelPool {
  private constructor(
    private readonly workers: Worker[],
    private readonly ctrl: Int32Array,
    private readonly shared: Uint8Array,
    private readonly outOffsets: number[],
    /** Node → its index in every worker's job list. */
    private readonly jobOf: Map<number, number>,
    readonly splits: Map<number, PanelSplit>,
  ) {}

  /** Starts threads − 1 workers holding their panels of every split node's weights. */
  static async create(model: Model, splits: Map<number, PanelSplit>, threads: number): Promise<PanelPool> {
    const inputBytes = Math.max(0, ...[...splits.values()].map((s) => s.M * s.K));
    const outBytes = Math.max(
      0,
      ...[...splits.values()].map((s) => s.M * Math.max(...s.cuts.slice(1).map((c, p) => c - s.cuts[p]!))),
    );
    const sab = new SharedArrayBuffer(CTRL.words * 4 + inputBytes + (threads - 1) * outBytes);
    const outOffsets = Array.from({ length: threads }, (_, p) => inputBytes + (p - 1) * outBytes);
    const jobOf = new Map([...splits.keys()].map((node, j) => [node, j]));
    const workers: Worker[] = [];
    for (let p = 1; p < threads; p++) {
      const jobs = [...splits].map(([node, s]): PanelJob => {
        const [, w, bias, mult, shift] = model.nodes[node]!.inputs.map((slot) => model.weights[slot.slot]!);
        const [a, b] = [s.cuts[p]!, s.cuts[p + 1]!];
        return {
          M: s.M,
          N: b - a,
          K: s.K,
          w: w!.slice(a * s.K, b * s.K),
          bias: bias!.slice(4 * a, 4 * b),
          mult: mult!.slice(4 * a, 4 * b),
          shift: shift!.slice(4 * a, 4 * b),
        };
      });
      const worker = new Worker(new URL("./panelWorker.mjs", import.meta.url));
      worker.unref();
      const ready = new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve());
        worker.once("error", reject);
      });
      worker.postMessage({ sab, inputBytes, outOffset: outOffsets[p]!, jobs } satisfies PanelInit);
      await ready;
      workers.push(worker);
    }
    return new PanelPool(
      workers,
      new Int32Array(sab, 0, CTRL.words),
      new Uint8Array(sab, CTRL.words * 4),
      outOffsets,
      jobOf,
      splits,
    );
  }

  /**
   * Runs split node i: its input rows (at x in mem) go to the workers, `runPanel0` computes panel
   * 0 into mem at panel0 (M rows of cuts[1] bytes), and every panel lands in the output rows at out.
   */
  run(i: number, mem: () => Uint8Array, x: number, out: number, panel0: number, runPanel0: () => void): void {
    const s = this.splits.get(i)!;
    const { ctrl, shared } = this;
    shared.set(mem().subarray(x, x + s.M * s.K), 0);
    Atomics.store(ctrl, CTRL.job, this.jobOf.get(i)!);
    Atomics.store(ctrl, CTRL.done, 0);
    Atomics.add(ctrl, CTRL.seq, 1);
    Atomics.notify(ctrl, CTRL.seq);
    try {
      runPanel0();
    } finally {
      // Even when panel 0 trapped: the workers finish this job before the next one starts.
      for (let d = Atomics.load(ctrl, CTRL.done); d < this.workers.length; d = Atomics.load(ctrl, CTRL.done))
        Atomics.wait(ctrl, CTRL.done, d);
    }
    if (Atomics.exchange(ctrl, CTRL.failed, 0) !== 0)
      throw new DnnKernelTrapError("the simd kernel trapped in a worker thread");
    const m = mem();
    const w0 = s.cuts[1]!;
    for (let r = 0; r < s.M; r++) m.copyWithin(out + r * s.N, panel0 + r * w0, panel0 + (r + 1) * w0);
    this.workers.forEach((_, q) => {
      const [a, b] = [s.cuts[q + 1]!, s.cuts[q + 2]!];
      const off = this.outOffsets[q + 1]!;
      for (let r = 0; r < s.M; r++)
        m.set(shared.subarray(off + r * (b - a), off + (r + 1) * (b - a)), out + r * s.N + a);
    });
  }

  /** Stops and ends the workers. */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.add(this.ctrl, CTRL.seq, 1);
    Atomics.notify(this.ctrl, CTRL.seq);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
