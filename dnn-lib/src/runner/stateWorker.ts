/**
 * The StateThread worker: computes the graph states S_0 … S_N of a run with GraphState, the same
 * code as the runner's own thread, while the runner computes the next nodes. It waits on the
 * shared control words for a run, then for each node's output to be produced, and writes each
 * state root into shared memory.
 */
import { parentPort } from "node:worker_threads";
import { GraphState } from "../model/GraphState.ts";
import { CLAIM, SCTRL, type StateInit } from "./stateProtocol.ts";

parentPort!.once("message", (init: StateInit) => serve(init));

function serve(init: StateInit): void {
  const { sab, model, inputLength, outOffsets, outLengths, statesOffset, leavesOffset, claimsOffset } = init;
  const ctrl = new Int32Array(sab, 0, SCTRL.words);
  const data = new Uint8Array(sab, SCTRL.words * 4);
  const n = outOffsets.length;
  const claims = new Int32Array(sab, claimsOffset, n);
  const put = (k: number, root: Uint8Array) => {
    data.set(root, statesOffset + 32 * k);
    Atomics.store(ctrl, SCTRL.done, k + 1);
  };
  parentPort!.postMessage("ready");
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, SCTRL.seq, seen);
    seen = Atomics.load(ctrl, SCTRL.seq);
    if (Atomics.load(ctrl, SCTRL.stop) !== 0) return;
    try {
      const state = new GraphState(model, data.slice(0, inputLength));
      put(0, state.root());
      for (let i = 0; i < n; i++) {
        let p = Atomics.load(ctrl, SCTRL.produced);
        while (p >= 0 && p <= i) {
          Atomics.wait(ctrl, SCTRL.produced, p);
          p = Atomics.load(ctrl, SCTRL.produced);
        }
        if (p < 0) break; // the run was abandoned (a node trapped)
        if (!model.nodes[i]!.into && Atomics.compareExchange(claims, i, CLAIM.free, CLAIM.worker) !== CLAIM.free) {
          // The runner took this node's leaf: wait for it, then only the slot path is left.
          while (Atomics.load(claims, i) !== CLAIM.runnerDone) Atomics.wait(claims, i, CLAIM.runner, 100);
          state.writeLeaf(i, data.slice(leavesOffset + 32 * i, leavesOffset + 32 * (i + 1)));
        } else state.write(i, data.subarray(outOffsets[i], outOffsets[i]! + outLengths[i]!));
        put(i + 1, state.root());
      }
    } catch {
      Atomics.store(ctrl, SCTRL.failed, 1);
    }
    Atomics.store(ctrl, SCTRL.finished, seen);
    Atomics.notify(ctrl, SCTRL.finished);
  }
}
