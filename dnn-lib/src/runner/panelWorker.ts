/**
 * A PanelPool worker thread: one SIMD kernel instance holding its column panel of each split
 * matmul's weights. It waits on the pool's shared control words; for each job it copies the
 * node's input rows from shared memory, runs its panel and copies the panel's output back.
 */
import { parentPort } from "node:worker_threads";
import { KernelInstance } from "../KernelInstance.ts";
import { DESC_ADDR, OPERANDS_BASE, PAGE_SIZE, encodeDescriptor } from "../nodeInput.ts";
import { Op } from "../ops.ts";
import { CTRL, type PanelInit } from "./panelProtocol.ts";

parentPort!.once("message", (init: PanelInit) => void serve(init));

async function serve({ sab, inputBytes, outOffset, jobs }: PanelInit): Promise<void> {
  const ctrl = new Int32Array(sab, 0, CTRL.words);
  const shared = new Uint8Array(sab, CTRL.words * 4);
  const kernel = await KernelInstance.create("simd");
  let cursor = OPERANDS_BASE + inputBytes;
  const place = (n: number) => {
    const at = cursor;
    cursor += Math.ceil(n / 64) * 64;
    return { addr: at, byteLength: n };
  };
  const placed = jobs.map((j) => ({ job: j, regions: [j.w, j.bias, j.mult, j.shift].map((t) => place(t.length)) }));
  const outAddr = cursor;
  const outMax = Math.max(0, ...jobs.map((j) => j.M * j.N));
  kernel.ensurePages(Math.ceil((outAddr + outMax) / PAGE_SIZE));
  const mem = kernel.bytes;
  const descriptors = placed.map(({ job, regions }) => {
    [job.w, job.bias, job.mult, job.shift].forEach((t, k) => mem.set(t, regions[k]!.addr));
    return encodeDescriptor({
      op: Op.matmul,
      params: [job.M, job.N, job.K],
      inputs: [{ addr: OPERANDS_BASE, byteLength: job.M * job.K }, ...regions],
      output: { addr: outAddr, byteLength: job.M * job.N },
      scratch: { addr: 0, byteLength: 0 },
    });
  });
  parentPort!.postMessage("ready");
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seen);
    seen = Atomics.load(ctrl, CTRL.seq);
    if (Atomics.load(ctrl, CTRL.stop) !== 0) return;
    const k = Atomics.load(ctrl, CTRL.job);
    const job = jobs[k]!;
    try {
      mem.set(shared.subarray(0, job.M * job.K), OPERANDS_BASE);
      mem.set(descriptors[k]!, DESC_ADDR);
      kernel.run();
      shared.set(mem.subarray(outAddr, outAddr + job.M * job.N), outOffset);
    } catch {
      Atomics.store(ctrl, CTRL.failed, 1);
    }
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
}
