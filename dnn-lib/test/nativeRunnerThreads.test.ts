/**
 * NativeRunner with worker threads (src/runner/PanelPool.ts): large matmuls cut into one column
 * panel per thread give the single-thread runner's and the reference's output, activations and
 * S_0 … S_N bit for bit, for 2 and 3 threads on a model whose column counts leave short last
 * panels, and on the demo gpt; a kernel trap in a worker is a typed error. The state thread
 * (src/runner/StateThread.ts) gives the same S_i as hashing on the runner's own thread, run after
 * run, also after a run a node trapped in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModelSource } from "../models/modelSource.ts";
import type { Model } from "../src/model/Model.ts";
import { compileGraph } from "../src/model/compileGraph.ts";
import { NativeRunner } from "../src/runner/NativeRunner.ts";
import { ReferenceBackend } from "../src/runner/Backend.ts";
import { runModel } from "../src/runner/runModel.ts";
import { panelSplits } from "../src/runner/PanelPool.ts";
import { DnnKernelTrapError } from "../src/errors.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { Op } from "../src/ops.ts";
import { Rng } from "../../common/rng.ts";

const i32s = (n: number, f: (i: number) => number) =>
  new Uint8Array(Int32Array.from({ length: n }, (_, i) => f(i)).buffer);

/** matmul → relu → matmul → relu → matmul over M rows: N = 70, 37, 91 (short last panels), K = 48, 70, 37. */
function chain(M: number, seed: number, badColumn?: number): Model {
  const r = new Rng(seed);
  const dims = [48, 70, 37, 91];
  const nodes: Model["nodes"] = [];
  const weights: Uint8Array[] = [];
  let slot = 0;
  for (let l = 0; l + 1 < dims.length; l++) {
    const [K, N] = [dims[l]!, dims[l + 1]!];
    const w = weights.length;
    weights.push(
      Uint8Array.from({ length: N * K }, () => r.int(0, 255)),
      i32s(N, () => r.int(-3000, 3000)),
      i32s(N, (n) => (l === 2 && n === badColumn ? -1 : r.int(1 << 30, 0x7fffffff))),
      i32s(N, () => r.int(36, 42)),
    );
    nodes.push({
      op: Op.matmul,
      inputs: [
        { kind: SlotKind.activation, slot },
        ...[0, 1, 2, 3].map((k) => ({ kind: SlotKind.weight, slot: w + k })),
      ],
      params: [M, N, K],
    });
    slot++;
    if (l + 2 < dims.length) {
      nodes.push({ op: Op.relu, inputs: [{ kind: SlotKind.activation, slot }], params: [M * N] });
      slot++;
    }
  }
  return { name: `chain${M}`, inputLength: M * 48, inputScale: 1, outputScale: 1, nodes, weights };
}

test("matmuls cut into 2 and 3 column panels on worker threads give the single-thread runner's and the reference's outputs, activations and S_i", async () => {
  const r = new Rng(0x7e4d);
  for (const M of [1, 5, 16]) {
    const compiled = compileGraph(chain(M, M));
    const input = Uint8Array.from({ length: M * 48 }, () => r.int(0, 255));
    const ref = runModel(compiled, input, new ReferenceBackend());
    const one = await NativeRunner.create(compiled);
    assert.deepEqual(one.run(input), ref);
    for (const threads of [2, 3]) {
      assert.equal(panelSplits(compiled.model, threads, 0).size, 3, "every matmul is split");
      const many = await NativeRunner.create(compiled, "simd", { threads, minPanelMacs: 0 });
      try {
        assert.deepEqual(many.run(input), ref, `M = ${M}, ${threads} threads`);
        assert.deepEqual(many.infer(input), ref.output, `M = ${M}, ${threads} threads, infer`);
      } finally {
        await many.close();
      }
    }
  }
});

test("the demo gpt on 2 threads (its matmuls split) gives the reference's S_i", async () => {
  const { model } = await loadModelSource("gpt");
  const compiled = compileGraph(model);
  assert.ok(panelSplits(compiled.model, 2, 0).size > 0);
  const r = new Rng(21);
  const input = new Uint8Array(Int32Array.from({ length: model.inputLength / 4 }, () => r.below(64)).buffer);
  const runner = await NativeRunner.create(compiled, "simd", { threads: 2, minPanelMacs: 0 });
  try {
    assert.deepEqual(runner.run(input), runModel(compiled, input, new ReferenceBackend()));
  } finally {
    await runner.close();
  }
});

test("a kernel trap in a worker thread's panel is a DnnKernelTrapError naming the node", async () => {
  // Column 80 of the last matmul (N = 91) has a negative multiplier: it lies in panel 1 of 2.
  const compiled = compileGraph(chain(5, 5, 80));
  const runner = await NativeRunner.create(compiled, "simd", { threads: 2, minPanelMacs: 0 });
  try {
    assert.throws(
      () => runner.infer(new Uint8Array(5 * 48)),
      (e: unknown) => e instanceof DnnKernelTrapError && /node 4/.test(e.message),
    );
  } finally {
    await runner.close();
  }
});

test("S_i hashed on the state thread equal the runner's own thread's and the reference's, run after run", async () => {
  const r = new Rng(0x5ea7);
  for (const M of [1, 16]) {
    const compiled = compileGraph(chain(M, 40 + M));
    const own = await NativeRunner.create(compiled, "simd", { stateThread: false });
    const threaded = await NativeRunner.create(compiled, "simd", { stateThread: true });
    try {
      assert.equal(own.statesOnThread, false);
      assert.equal(threaded.statesOnThread, true);
      for (let k = 0; k < 4; k++) {
        const input = Uint8Array.from({ length: M * 48 }, () => r.int(0, 255));
        const ref = runModel(compiled, input, new ReferenceBackend());
        assert.deepEqual(threaded.run(input), ref, `M = ${M}, run ${k}`);
        assert.deepEqual(own.run(input), ref, `M = ${M}, run ${k}, own thread`);
      }
    } finally {
      await threaded.close();
    }
  }
});

test("the demo gpt's S_i (cache blocks included) on the state thread and on 2 panel threads at once", async () => {
  const { model } = await loadModelSource("gpt");
  const compiled = compileGraph(model);
  const r = new Rng(22);
  const input = new Uint8Array(Int32Array.from({ length: model.inputLength / 4 }, () => r.below(64)).buffer);
  const runner = await NativeRunner.create(compiled, "simd", { threads: 2, minPanelMacs: 0, stateThread: true });
  try {
    assert.deepEqual(runner.run(input), runModel(compiled, input, new ReferenceBackend()));
  } finally {
    await runner.close();
  }
});

test("a node that traps mid-run drops the state thread's run; the next run's S_i are right", async () => {
  // Column 80 of the last matmul has a negative multiplier: node 4 traps on any input.
  const bad = compileGraph(chain(5, 5, 80));
  const runner = await NativeRunner.create(bad, "simd", { stateThread: true });
  try {
    assert.throws(() => runner.run(new Uint8Array(5 * 48)), DnnKernelTrapError);
    assert.throws(() => runner.run(new Uint8Array(5 * 48)), DnnKernelTrapError);
    assert.equal(runner.statesOnThread, true, "a trap is not a failure of the state thread");
  } finally {
    await runner.close();
  }
  const good = compileGraph(chain(5, 5));
  const again = await NativeRunner.create(good, "simd", { stateThread: true });
  try {
    const input = new Rng(9).bytes(5 * 48);
    assert.throws(() => again.run(new Uint8Array(7)), /wrong size/);
    assert.deepEqual(again.run(input), runModel(good, input, new ReferenceBackend()));
  } finally {
    await again.close();
  }
});
