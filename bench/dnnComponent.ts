/**
 * The kernel library as a WebAssembly component (dnn-lib/component, jco) against
 * the core module (NativeRunner: weights and activations resident in one SIMD
 * instance, one descriptor write per node) on the same compiled models: time
 * per inference, per-node overhead, and the decision whether the native path
 * runs through the component (overhead < 5% of model time on every model).
 */
import { readFileSync } from "node:fs";
import { compileModel, type CompiledModel } from "../phase/compileModel.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { ComponentBackend } from "../dnn-lib/src/runner/ComponentBackend.ts";
import { runModel } from "../dnn-lib/src/runner/runModel.ts";
import { outputByteLength } from "../dnn-lib/src/ops.ts";
import { SlotKind, scratchByteLength } from "../dnn-lib/src/nodeInput.ts";
import { loadComponent } from "../dnn-lib/component/build.ts";
import type { Kernels, Node } from "../dnn-lib/component/bindings.ts";
import { readOnnx } from "../dnn-lib/src/onnx/model.ts";
import { quantizeModel } from "../dnn-lib/src/onnx/quantize.ts";
import { quantizeFeeds } from "../dnn-lib/src/onnx/runQuant.ts";
import { toModel } from "../dnn-lib/src/onnx/toModel.ts";
import { CALIBRATION_SEED, EVAL_SEED, modelPath, modelSpec } from "../dnn-lib/models/index.ts";
import { fmt, timeIt, type BenchReport } from "./harness.ts";

/** Overhead below this share of the core module's time per inference counts as negligible. */
const NEGLIGIBLE = 0.05;

/** Forward pass through a Backend without hashing: the component's counterpart of NativeRunner.infer. */
function inferThrough(c: CompiledModel, input: Uint8Array, backend: ComponentBackend): Uint8Array {
  const act: Uint8Array[] = [input];
  for (const n of c.model.nodes)
    act.push(
      backend.runNode(
        n.op,
        n.inputs.map((s) => (s.kind === SlotKind.weight ? c.model.weights[s.slot]! : act[s.slot]!)),
        n.params,
      ),
    );
  return act[act.length - 1]!;
}

/** The least the component can cost: run-node on node records prepared once, nothing computed per call. */
function preparedInfer(c: CompiledModel, k: Kernels) {
  const w = new k.Weights([...c.model.weights]);
  const nodes: Node[] = c.model.nodes.map((n) => ({
    op: n.op,
    operands: n.inputs.map((s) =>
      s.kind === SlotKind.weight ? { tag: "weight", val: s.slot } : { tag: "activation", val: new Uint8Array() },
    ),
    params: Int32Array.from(n.params),
    outputLength: outputByteLength(n.op, n.params),
    scratchLength: scratchByteLength(n.op, n.params),
  }));
  return (input: Uint8Array): Uint8Array => {
    const act: Uint8Array[] = [input];
    c.model.nodes.forEach((n, i) => {
      const node = nodes[i]!;
      n.inputs.forEach((s, j) => {
        if (s.kind === SlotKind.activation) (node.operands[j] as { val: Uint8Array }).val = act[s.slot]!;
      });
      act.push(k.runNode(w, node));
    });
    return act[act.length - 1]!;
  };
}

async function projectModel(name: string): Promise<{ compiled: CompiledModel; input: Uint8Array }> {
  const spec = modelSpec(name);
  const g = await quantizeModel(readOnnx(readFileSync(modelPath(name))), spec.feeds(CALIBRATION_SEED, 32));
  const input = quantizeFeeds(g, spec.feeds(EVAL_SEED, 1)[0]!).get(g.inputs[0]!.id)!;
  return { compiled: await compileModel(toModel(g)), input };
}

export async function bench(): Promise<BenchReport> {
  const metrics: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const ratios: number[] = [];
  const shares: [string, number][] = [];
  let extraS = 0;
  let nodes = 0;
  const factory = await loadComponent();
  // The floor of one component call: a method with no list to lower and no kernel to run (best of 500-call batches).
  const k = factory.instantiate();
  const w = new k.Weights([new Uint8Array(1)]);
  const floor =
    timeIt(
      () => {
        for (let i = 0; i < 500; i++) w.count();
      },
      500,
      50,
    ) / 500;
  metrics["dnn.component.call_floor_us"] = floor * 1e6;
  rows.push([
    "component call floor: weights.count()",
    `${fmt(floor * 1e6)} µs`,
    "no list lowered, no kernel run: jco's per-call bookkeeping in the generated bindings",
  ]);
  for (const name of ["mlp", "cnn", "gpt"]) {
    const { compiled, input } = await projectModel(name);
    const n = compiled.model.nodes.length;
    const core = await NativeRunner.create(compiled);
    const backend = await ComponentBackend.create(compiled.model.weights);
    const prepared = preparedInfer(compiled, factory.instantiate());
    const want = core.infer(input);
    for (const [what, got] of [
      ["Backend", inferThrough(compiled, input, backend)],
      ["prepared", prepared(input)],
    ] as const)
      if (Buffer.compare(got, want) !== 0) throw new Error(`${name}: the component (${what}) disagrees with the core`);

    const tCore = timeIt(() => core.infer(input), 500, 50);
    const tBackend = timeIt(() => inferThrough(compiled, input, backend), 500, 50);
    const tPrepared = timeIt(() => prepared(input), 500, 50);
    const tCoreRun = timeIt(() => core.run(input), 500, 20);
    const tBackendRun = timeIt(() => runModel(compiled, input, backend), 500, 20);
    // The component's best case decides: if even prepared node records cost too much, the Backend path does too.
    const best = Math.min(tBackend, tPrepared);
    const perNode = (best - tCore) / n;
    extraS += best - tCore;
    nodes += n;
    ratios.push(tCore / best);
    shares.push([name, (best - tCore) / tCore]);
    metrics[`dnn.component.${name}.per_node_overhead_us`] = perNode * 1e6;
    metrics[`dnn.component.${name}.component_vs_core`] = tCore / best;
    rows.push(
      [`${name}: core module (NativeRunner.infer)`, `${fmt(tCore * 1e6)} µs`, `${n} nodes, best of ≥ 50 runs`],
      [
        `${name}: component, run-node on prepared node records`,
        `${fmt(tPrepared * 1e6)} µs`,
        "weights resident in the component; activations in, output out",
      ],
      [
        `${name}: component through ComponentBackend.runNode`,
        `${fmt(tBackend * 1e6)} µs`,
        "output length and scratch computed per node, weights found by identity",
      ],
      [
        `${name}: per-node overhead, overhead share`,
        `${fmt(perNode * 1e6)} µs, ${fmt((100 * (best - tCore)) / tCore)}%`,
        "(best component time − core time) / nodes; share of the core's time",
      ],
      [
        `${name}: with S_0 … S_N (NativeRunner.run vs runModel on the component)`,
        `${fmt(tCoreRun * 1e6)} vs ${fmt(tBackendRun * 1e6)} µs`,
        "hashing each node's output included",
      ],
    );
  }
  metrics["dnn.component.per_node_overhead_us"] = (extraS / nodes) * 1e6;
  metrics["dnn.component_vs_core"] = Math.exp(ratios.reduce((a, b) => a + Math.log(b), 0) / ratios.length);
  const worst = shares.reduce((a, b) => (b[1] > a[1] ? b : a));
  const negligible = worst[1] < NEGLIGIBLE;
  const notes = [
    "`dnn.component.per_node_overhead_us`: over mlp, cnn and gpt together, (component time − core time) / nodes, with the component's faster path (prepared node records); per model in `dnn.component.<model>.per_node_overhead_us`. `dnn.component_vs_core`: geometric mean of core time / component time (throughput ratio; below 1 the component is slower).",
    negligible
      ? `Decision: the overhead is negligible (at most ${fmt(100 * worst[1])}% of model time, on ${worst[0]}; threshold ${100 * NEGLIGIBLE}%), so the component can be the native path behind the Backend interface.`
      : `Decision: keep the core module as the native path (NativeRunner). The component's overhead is not negligible: ${shares.map(([m, s]) => `${m} ${fmt(100 * s)}%`).join(", ")} of the core module's time per inference (threshold ${100 * NEGLIGIBLE}%). The core runner pays one 256-byte descriptor write per node and copies nothing; a component call lowers its arguments through the canonical ABI (jco's generated JS writes each operand record, copies each activation into the component's memory and copies the output out) and runs jco's per-call task bookkeeping, which alone costs ${fmt(floor * 1e6)} µs a call (dnn.component.call_floor_us). The component stays available as ComponentBackend (dnn-lib/component, README).`,
  ];
  return { title: "dnn-lib kernels as a WebAssembly component vs the core module", metrics, rows, notes };
}
