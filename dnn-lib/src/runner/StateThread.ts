/**
 * S_0 … S_N computed on a worker thread while the runner computes the nodes (NativeRunner.run):
 * each node's output is copied into shared memory as soon as it is produced, and the worker
 * applies it to its GraphState — the same code the runner's own thread would run — so the
 * hashing of node i overlaps the computing of node i + 1 and later. The runner waits only at the
 * end of the run, for the last state. If the worker failed on a state, or made no progress for
 * `STALL_MS`, the run reports it and the runner computes the states on its own thread instead.
 */
import { Worker } from "node:worker_threads";
import type { Model } from "../model/Model.ts";
import { tensorSlotLeaf } from "../../../commitment/slotTree.ts";
import { CLAIM, SCTRL, type StateInit } from "./stateProtocol.ts";

/** How long the runner waits for the worker's next state before it hashes on its own thread. */
export const STALL_MS = 30_000;

export class StateThread {
  private broken = false;

  private constructor(
    private readonly worker: Worker,
    private readonly ctrl: Int32Array,
    private readonly data: Uint8Array,
    private readonly outOffsets: number[],
    private readonly outLengths: number[],
    private readonly statesOffset: number,
    private readonly leavesOffset: number,
    private readonly claims: Int32Array,
    /** Whether node i writes its own slot (not a cache block): its leaf is its output's. */
    private readonly plain: boolean[],
  ) {}

  /** Starts the worker for `model`, whose runs take `inputLength` bytes and write `outLengths`. */
  static start(model: Pick<Model, "nodes" | "caches">, inputLength: number, outLengths: number[]): StateThread {
    const outOffsets: number[] = [];
    let end = Math.ceil(inputLength / 8) * 8;
    for (const n of outLengths) {
      outOffsets.push(end);
      end += Math.ceil(n / 8) * 8;
    }
    const n = outLengths.length;
    const statesOffset = end;
    const leavesOffset = statesOffset + 32 * (n + 1);
    const claimsOffset = SCTRL.words * 4 + leavesOffset + 32 * n;
    const sab = new SharedArrayBuffer(claimsOffset + 4 * n);
    const worker = new Worker(new URL("./stateWorker.mjs", import.meta.url));
    worker.unref();
    const thread = new StateThread(
      worker,
      new Int32Array(sab, 0, SCTRL.words),
      new Uint8Array(sab, SCTRL.words * 4),
      outOffsets,
      outLengths,
      statesOffset,
      leavesOffset,
      new Int32Array(sab, claimsOffset, n),
      model.nodes.map((node) => !node.into),
    );
    // A worker that dies (it cannot start, or runs out of memory) leaves the hashing to the runner.
    worker.on("error", () => (thread.broken = true));
    worker.on("exit", () => (thread.broken = true));
    const init: StateInit = {
      sab,
      model: { nodes: model.nodes, caches: model.caches },
      inputLength,
      outOffsets,
      outLengths,
      statesOffset,
      leavesOffset,
      claimsOffset,
    };
    worker.postMessage(init);
    return thread;
  }

  /** False once the worker failed: the runner then hashes on its own thread. */
  get usable(): boolean {
    return !this.broken;
  }

  /** Starts a run on `input` (once the worker is through with the last one). */
  begin(input: Uint8Array): void {
    this.waitFinished();
    this.data.set(input, 0);
    this.claims.fill(CLAIM.free);
    Atomics.store(this.ctrl, SCTRL.produced, 0);
    Atomics.store(this.ctrl, SCTRL.done, 0);
    Atomics.store(this.ctrl, SCTRL.failed, 0);
    Atomics.add(this.ctrl, SCTRL.seq, 1);
    Atomics.notify(this.ctrl, SCTRL.seq);
  }

  /** Node i's output, handed to the worker; returns the caller's copy of it. */
  produce(i: number, out: Uint8Array): Uint8Array {
    const at = this.outOffsets[i]!;
    this.data.set(out, at);
    Atomics.store(this.ctrl, SCTRL.produced, i + 1);
    Atomics.notify(this.ctrl, SCTRL.produced);
    return this.data.slice(at, at + this.outLengths[i]!);
  }

  /**
   * Once every node is produced: computes slot leaves from the last node back, while the worker
   * goes forward, until the two meet (the worker then only walks their slot paths). Returns how
   * many leaves it took.
   */
  help(): number {
    if (this.broken) return 0;
    let taken = 0;
    for (let i = this.plain.length - 1; i >= 0; i--) {
      if (!this.plain[i]) continue;
      if (Atomics.compareExchange(this.claims, i, CLAIM.free, CLAIM.runner) !== CLAIM.free) break;
      const at = this.outOffsets[i]!;
      this.data.set(tensorSlotLeaf(this.data.subarray(at, at + this.outLengths[i]!)), this.leavesOffset + 32 * i);
      Atomics.store(this.claims, i, CLAIM.runnerDone);
      Atomics.notify(this.claims, i);
      taken++;
    }
    return taken;
  }

  /** Ends a run early (a node trapped): the worker drops it. */
  abandon(): void {
    Atomics.store(this.ctrl, SCTRL.produced, -1);
    Atomics.notify(this.ctrl, SCTRL.produced);
  }

  /** S_0 … S_N of the run, or undefined if the worker failed (the runner then computes them). */
  finish(): Uint8Array[] | undefined {
    const n = this.outLengths.length + 1;
    if (!this.waitFinished() || Atomics.load(this.ctrl, SCTRL.failed) !== 0) return undefined;
    if (Atomics.load(this.ctrl, SCTRL.done) !== n) return undefined;
    const at = (k: number) => this.statesOffset + 32 * k;
    return Array.from({ length: n }, (_, k) => this.data.slice(at(k), at(k) + 32));
  }

  /**
   * Waits until the worker is through with the current run. False, and the thread marked broken,
   * when its states stopped advancing for STALL_MS (a dead or wedged worker).
   */
  private waitFinished(): boolean {
    const target = Atomics.load(this.ctrl, SCTRL.seq);
    let last = -1;
    let since = Date.now();
    for (;;) {
      const f = Atomics.load(this.ctrl, SCTRL.finished);
      if (f === target) return true;
      const d = Atomics.load(this.ctrl, SCTRL.done);
      if (d !== last) [last, since] = [d, Date.now()];
      else if (Date.now() - since > STALL_MS) {
        this.broken = true;
        return false;
      }
      Atomics.wait(this.ctrl, SCTRL.finished, f, 100);
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.ctrl, SCTRL.stop, 1);
    Atomics.add(this.ctrl, SCTRL.seq, 1);
    Atomics.notify(this.ctrl, SCTRL.seq);
    await this.worker.terminate();
  }
}
