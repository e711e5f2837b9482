/**
 * This machine's VM speed in steps per second, measured once per process (at a daemon's start):
 * the recorded VM run (with snapshots, as the daemons trace) of one int8 matmul node of the size
 * of the mlp demo model's first layer (1×64 · 64×128, about 50k steps, so that setting up the
 * machine does not dominate), repeated for at least 200 ms. It feeds the deadline checks
 * (deadline.ts).
 */
import { compileModel } from "../phase/compileModel.ts";
import type { Model } from "../dnn-lib/src/model/Model.ts";
import { SlotKind } from "../dnn-lib/src/nodeInput.ts";
import { Op } from "../dnn-lib/src/ops.ts";
import { ServedModel, SNAPSHOT_INTERVAL } from "../claim/ServedModel.ts";
import { Trace } from "../vm/index.ts";

let measured: Promise<number> | undefined;

/** One matmul node, K inputs → N outputs, with fixed pseudo-random int8 weights. */
function calibrationModel(K = 64, N = 128): Model {
  const i32 = (n: number, f: (i: number) => number) =>
    new Uint8Array(Int32Array.from({ length: n }, (_, i) => f(i)).buffer);
  return {
    name: "vm-speed",
    inputLength: K,
    inputScale: 1 / 64,
    outputScale: 1 / 16,
    nodes: [
      {
        op: Op.matmul,
        inputs: [
          { kind: SlotKind.activation, slot: 0 },
          ...[0, 1, 2, 3].map((slot) => ({ kind: SlotKind.weight, slot })),
        ],
        params: [1, N, K],
      },
    ],
    weights: [
      Uint8Array.from({ length: N * K }, (_, i) => (i * 89 + 7) & 0xff),
      i32(N, (i) => (i * 37) % 2000),
      i32(N, () => 1 << 30),
      i32(N, () => 40),
    ],
  };
}

async function measure(minMs: number): Promise<number> {
  const served = await ServedModel.create(await compileModel(calibrationModel()));
  const input = new Uint8Array(served.compiled.commitment.inputLength).map((_, i) => (i * 37) & 0xff);
  const claim = served.claim(input);
  const machines = await Promise.all(served.compiled.model.nodes.map((_, i) => served.nodeMachine(claim, i)));
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (const m of machines) {
      const t = new Trace(m.program, m.options, SNAPSHOT_INTERVAL);
      t.record();
      steps += t.finalSteps;
    }
  }
  return steps / ((performance.now() - t0) / 1000);
}

/** Steps per second of a traced VM run on this machine (measured on the first call, then remembered). */
export function vmStepsPerSecond(): Promise<number> {
  measured ??= measure(200);
  return measured;
}
