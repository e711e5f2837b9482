/**
 * VM metrics: speed of the tiered executor (`Machine.run`) and of the interpreter alone, on a
 * matmul node of the dnn-lib VM build and on the largest node of the GPT-2-small-shape decoder;
 * the slowdown against V8 running the same module on the same input; the state at a random step
 * of the large node (trace with snapshots); the compiled tier against the interpreter at random
 * positions (mismatches must be 0); snapshot size and the spec-suite counts. The goals are
 * stated beside the figures (`GOALS`).
 */
import {
  Trace,
  stateDifference,
  Machine,
  type Executor,
  type MachineOptions,
  loadProgram,
  type Program,
} from "../vm/index.ts";
import { runSpecSuite } from "../vm/tooling.ts";
import { Rng } from "../common/rng.ts";
import { kernelBytes } from "../dnn-lib/src/kernels.ts";
import { buildNodeInput, nodeSegments, SlotKind, writeNodeInput, type NodeSpec } from "../dnn-lib/src/nodeInput.ts";
import { Op } from "../dnn-lib/src/ops.ts";
import { decoderModel, DECODER_SHAPES } from "../dnn-lib/models/decoderShapes.ts";
import { unrollGeneration } from "../dnn-lib/src/generation/unrollGeneration.ts";
import { estimateSteps } from "../dnn-lib/src/model/estimateSteps.ts";
import { fmt, type BenchReport } from "./harness.ts";

/** The VM's goals: a metric, its bound ("min": at least, "max": at most) as a number and as written, and a moonshot. */
interface Goal {
  metric: string;
  kind: "min" | "max";
  bound: number;
  text: string;
  moonshot?: { bound: number; text: string };
}
const GOALS: Goal[] = [
  {
    metric: "vm.steps_per_s.large_node",
    kind: "min",
    bound: 500e6,
    text: "≥ 500M steps/s",
    moonshot: { bound: 1e9, text: "1G" },
  },
  { metric: "vm.slowdown_vs_v8", kind: "max", bound: 25, text: "≤ 25" },
  { metric: "vm.jit.mismatches", kind: "max", bound: 0, text: "= 0" },
];

/** One row per goal: the figure, the goal, and whether these metrics meet it (and its moonshot). */
function goalRows(metrics: Record<string, number>): [string, string, string][] {
  return GOALS.map((g) => {
    const v = metrics[g.metric] ?? NaN;
    const meets = (b: number) => (g.kind === "min" ? v >= b : v <= b);
    const of = g.metric === "vm.jit.mismatches" ? ` (of ${metrics["vm.jit.positions_compared"] ?? 0} positions)` : "";
    const moon = g.moonshot ? `, moonshot ${g.moonshot.text}` : "";
    const met = !meets(g.bound) ? "not met" : g.moonshot && meets(g.moonshot.bound) ? "moonshot met" : "met";
    return [`goal: \`${g.metric}\``, fmt(v), `goal ${g.text}${moon}${of}: ${met}`];
  });
}

/**
 * Seconds of CPU time `fn` takes (user + system of this process). The machine is shared by
 * several engineers, so wall time swings with their load; the single-threaded interpreter's CPU
 * time does not.
 */
function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

function matmulNode(m: number, n: number, k: number): NodeSpec {
  const rng = new Rng(1);
  const i8 = (len: number) => rng.bytes(len);
  const i32 = (vals: number[]) => new Uint8Array(Int32Array.from(vals).buffer);
  return {
    op: Op.matmul,
    inputs: [
      i8(m * k),
      i8(k * n),
      i32(Array.from({ length: n }, (_, i) => i * 3 - 50)),
      i32(new Array<number>(n).fill(1 << 30)),
      i32(new Array<number>(n).fill(12)),
    ],
    params: [m, n, k],
  };
}

/**
 * The largest node (by estimated steps) of the GPT-2-small-shape decoder (dnn-lib/models/
 * decoderShapes.ts, seeded int8 weights) unrolled into a generation model, as bench/scaleShape.ts
 * finds it: the vocabulary head, a matmul 1×50257×768 per generated token. Its weights, bias and
 * requantization are the decoder's; its activation row (the last layer's output) is seeded.
 */
function largestDecoderNode(): NodeSpec {
  const decoder = decoderModel(DECODER_SHAPES.gpt2small!, { T: 8 });
  const { nodes, weights } = unrollGeneration(decoder, { context: 8, maxNew: 7 }).model;
  const steps = (i: number) => estimateSteps(nodes[i]!.op, nodes[i]!.params);
  const big = nodes[nodes.reduce((best, _, i) => (steps(i) > steps(best) ? i : best), 0)]!;
  if (big.op !== Op.matmul)
    throw new Error(
      `the decoder's largest node is op ${big.op}, not a matmul: bench/vm.ts seeds a matmul's activation only`,
    );
  const [m, , k] = big.params as [number, number, number];
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const inputs = big.inputs.map((slot, j) =>
    slot.kind === SlotKind.weight ? weights[slot.slot]! : j === 0 ? Uint8Array.from({ length: m * k }, rnd) : null,
  );
  if (inputs.some((x) => x === null)) throw new Error("the decoder's largest matmul has an activation other than x");
  return { op: big.op, inputs: inputs as Uint8Array[], params: big.params };
}

function nodeOptions(node: NodeSpec, executor: Executor = "tiered"): MachineOptions {
  const image = buildNodeInput(node);
  return {
    entry: "run",
    memoryPages: image.pages,
    writes: nodeSegments(image).map((sg) => ({ address: sg.addr, bytes: sg.bytes })),
    stepLimit: 2 ** 40,
    executor,
  };
}

/** Best-of-`runs` CPU time of a full VM run of `node`; returns [seconds, steps, machine, first run's seconds]. */
function timeVm(p: Program, node: NodeSpec, executor: Executor, runs = 3): [number, number, Machine, number] {
  let best = Infinity;
  let first = 0;
  let steps = 0;
  let last: Machine | null = null;
  for (let r = 0; r < runs; r++) {
    const m = Machine.create(p, nodeOptions(node, executor));
    const s = cpuSeconds(() => (steps = m.run()));
    if (r === 0) first = s;
    best = Math.min(best, s);
    if (!m.halted) throw new Error(`bench node did not halt: ${m.trapReason}`);
    last = m;
  }
  return [best, steps, last!, first];
}

/**
 * The tiered executor against the interpreter on `node`: both advanced by the same random step
 * counts (about `positions` of them over the run); at each position registers, stacks, globals,
 * memory and dirty chunks are compared, and the state hashes at every 8th. Returns [positions, mismatches].
 */
function differential(
  p: Program,
  node: NodeSpec,
  totalSteps: number,
  positions: number,
  seed: number,
): [number, number] {
  const ref = Machine.create(p, nodeOptions(node, "interpreter"));
  const jit = Machine.create(p, nodeOptions(node, "tiered"));
  const rng = new Rng(seed);
  const mean = Math.max(1, Math.floor(totalSteps / positions));
  let compared = 0;
  let mismatches = 0;
  while (ref.status === 0) {
    const n = rng.int(1, 2 * mean);
    const a = ref.run(n);
    const b = jit.run(n);
    const hash = compared % 8 === 0 || ref.status !== 0;
    const ok = a === b && stateDifference(ref, jit, hash) === null;
    compared++;
    if (!ok) mismatches++;
  }
  return [compared, mismatches];
}

/** Best-of-3 wall time of V8 running the same module on the same node input. */
async function timeV8(bytes: Uint8Array, node: NodeSpec): Promise<[number, Uint8Array]> {
  const image = buildNodeInput(node);
  let best = Infinity;
  let out = new Uint8Array();
  for (let r = 0; r < 3; r++) {
    const instance = await WebAssembly.instantiate(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {});
    const mem = instance.exports.memory as WebAssembly.Memory;
    const have = mem.buffer.byteLength / 65536;
    if (image.pages > have) mem.grow(image.pages - have);
    writeNodeInput(image, new Uint8Array(mem.buffer));
    best = Math.min(
      best,
      cpuSeconds(() => (instance.exports.run as () => void)()),
    );
    out = new Uint8Array(mem.buffer).slice(image.output.addr, image.output.addr + image.output.byteLength);
  }
  return [best, out];
}

/** Best-of-3 CPU time of V8 on `node` (the output checked against the VM's). */
async function v8Seconds(bytes: Uint8Array, node: NodeSpec, m: Machine): Promise<number> {
  const [v8S, v8Out] = await timeV8(bytes, node);
  const image = buildNodeInput(node);
  const vmOut = m.readMemory(image.output.addr, image.output.byteLength);
  if (Buffer.compare(Buffer.from(vmOut), Buffer.from(v8Out)) !== 0) throw new Error("VM and V8 outputs differ");
  return v8S;
}

/** State hash at five fixed fractions of a recorded trace: the median CPU seconds, and the hashes. */
function stateAtStep(trace: Trace): [number, string[]] {
  const times: number[] = [];
  const hashes: string[] = [];
  for (const f of [0.11, 0.93, 0.37, 0.71, 0.05])
    times.push(
      cpuSeconds(() => hashes.push(Buffer.from(trace.stateHashAt(Math.floor(trace.finalSteps * f))).toString("hex"))),
    );
  return [[...times].sort((a, b) => a - b)[2]!, hashes];
}

export async function bench(): Promise<BenchReport> {
  const bytes = await kernelBytes("vm");
  const p = loadProgram(bytes);

  // The bench node, both executors and V8.
  const node = matmulNode(64, 64, 256);
  const [interpS, steps] = timeVm(p, node, "interpreter");
  // Steady state: the first runs include compiling the kernel's hot functions and V8's warm-up.
  const [vmS, , m, firstS] = timeVm(p, node, "tiered", 8);
  const v8S = await v8Seconds(bytes, node, m);

  // The largest node of the GPT-2-small-shape decoder: its vocabulary head (d 768 → 50257), one row.
  const large = largestDecoderNode();
  const [largeS, largeSteps, lm] = timeVm(p, large, "tiered");
  const [largeInterpS] = timeVm(p, large, "interpreter", 1);
  const largeV8S = await v8Seconds(bytes, large, lm);

  // The state at a step of the large node: snapshots every 2^20 steps, the cursor re-runs < 2^20.
  const interval = 2 ** 20;
  const trace = new Trace(p, nodeOptions(large), interval);
  trace.record();
  const [stateAtStepS, hashes] = stateAtStep(trace);
  const interpTrace = new Trace(p, nodeOptions(large, "interpreter"), interval);
  interpTrace.record();
  const [interpStateAtStepS, interpHashes] = stateAtStep(interpTrace);

  // The compiled tier against the interpreter at random positions of both nodes, and the trace hashes.
  const [c1, m1] = differential(p, node, steps, 2000, 1);
  const [c2, m2] = differential(p, large, largeSteps, 200, 2);
  const hashMismatches = hashes.filter((h, i) => h !== interpHashes[i]).length;

  // A run of about 10^9 steps with snapshots every 2^20 steps; the state hash at a random step.
  const big = matmulNode(256, 256, 1024);
  const longTrace = new Trace(p, nodeOptions(big), interval);
  const recordS = cpuSeconds(() => longTrace.record());
  const k = Math.floor(longTrace.finalSteps * 0.618);
  const coldS = cpuSeconds(() => longTrace.stateHashAt(k));
  const proveS = cpuSeconds(() => longTrace.prove(k));

  const spec = runSpecSuite();
  const metrics: Record<string, number> = {
    "vm.steps_per_s": steps / vmS,
    "vm.steps_per_s.first_run": steps / firstS,
    "vm.interpreter.steps_per_s": steps / interpS,
    "vm.steps_per_s.large_node": largeSteps / largeS,
    "vm.interpreter.steps_per_s.large_node": largeSteps / largeInterpS,
    "vm.slowdown_vs_v8": vmS / v8S,
    "vm.interpreter.slowdown_vs_v8": interpS / v8S,
    "vm.slowdown_vs_v8.large_node": largeS / largeV8S,
    "vm.state_at_step_s": stateAtStepS,
    "vm.interpreter.state_at_step_s": interpStateAtStepS,
    "vm.jit.mismatches": m1 + m2 + hashMismatches,
    "vm.jit.positions_compared": c1 + c2 + hashes.length,
    "vm.long_run_steps": longTrace.finalSteps,
    "vm.long_run_record_s": recordS,
    "vm.state_at_step_cold_s": coldS,
    "vm.prove_step_s": proveS,
    "vm.snapshot_bytes_per_million_steps": (longTrace.snapshotBytes / longTrace.finalSteps) * 1e6,
    "vm.spec.passed": spec.passed,
    "vm.spec.failed": spec.failed,
    "vm.spec.refused": spec.refused,
  };
  return {
    title: "vm",
    metrics,
    rows: [
      ...goalRows(metrics),
      [
        "steps/s node",
        "matmul 64×64×256 (int8, VM build)",
        `${steps} steps: ${(vmS * 1e3).toFixed(1)} ms tiered, ${(interpS * 1e3).toFixed(1)} ms interpreter, ${(v8S * 1e3).toFixed(2)} ms V8`,
      ],
      [
        "large node",
        `matmul ${large.params.join("×")}: the GPT-2-small-shape decoder's largest node, its vocabulary head (d 768 → 50257)`,
        `${largeSteps} steps: ${largeS.toFixed(2)} s tiered, ${largeInterpS.toFixed(2)} s interpreter, ${(largeV8S * 1e3).toFixed(1)} ms V8`,
      ],
      [
        "state at step",
        `large node, snapshots every 2^20 steps (${trace.snapshots.length})`,
        "median of 5 queries: cursor restored to the nearest snapshot (changed chunks only), < 2^20 steps re-run, changed leaves rehashed",
      ],
      [
        "compiled vs interpreter",
        `${c1 + c2 + hashes.length} positions`,
        `bench node ${c1}, large node ${c2} (random step counts; registers, stacks, globals, memory, dirty chunks, every 8th state hash), ${hashes.length} trace state hashes`,
      ],
      [
        "long run",
        `matmul 256×256×1024, ${longTrace.finalSteps} steps`,
        `snapshots every 2^20 steps: ${longTrace.snapshots.length}, ${(longTrace.snapshotBytes / 2 ** 20).toFixed(1)} MiB; state at k = ${k} cold, then its proof`,
      ],
      [
        "spec refusals",
        [...spec.refusals].map(([f, n]) => `${f} ×${n}`).join("; "),
        `${spec.textOnly} text-format assertions left to wabt`,
      ],
    ],
    notes: [
      "Slowdown: same kernels-vm.wasm, same node input, V8's optimizing tier vs the VM (no hashing). `vm.steps_per_s`, `vm.slowdown_vs_v8` and `vm.state_at_step_s` are the tiered executor (`Machine.run`: hot functions compiled to JavaScript, vm/README.md); the `vm.interpreter.*` figures are `execute.ts` alone, measured in the same run. CPU time of this process, best of 3 (the large node's interpreter run: 1; the tiered executor on the bench node: best of 8, its first run in a fresh process, which includes compiling the kernel's hot functions and V8's warm-up of the generated code, in `vm.steps_per_s.first_run`).",
      "The large node is the largest node (by estimated steps, as `npm run bench -- scale` finds it) of the GPT-2-small-shape decoder (dnn-lib/models/decoderShapes.ts: d_model 768, 12 layers, vocabulary 50257, seeded int8 weights) unrolled into a generation model: the vocabulary head, a matmul 1×50257×768 per generated token, with the decoder's weights, bias and requantization and a seeded activation row.",
      `Goals: ${GOALS.map((g) => `\`${g.metric}\` ${g.text}${g.moonshot ? ` (moonshot ${g.moonshot.text})` : ""}`).join(", ")}; the goal rows above say whether this run meets each.`,
    ],
  };
}
