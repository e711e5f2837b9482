/**
 * VM metrics (issue 4): interpreter speed on a matmul node of the dnn-lib VM build, the slowdown
 * against V8 running the same module on the same input, the cost of the state at a random step of
 * a long run with snapshots, snapshot size, and the spec-suite counts.
 */
import { loadProgram, type Program } from "../vm/loader/loadProgram.ts";
import { Machine, type MachineOptions } from "../vm/Machine.ts";
import { Trace } from "../vm/Trace.ts";
import { runSpecSuite } from "../vm/conformance/runSpecSuite.ts";
import { kernelBytes } from "../dnn-lib/src/kernels.ts";
import { buildNodeInput, nodeSegments, writeNodeInput, type NodeSpec } from "../dnn-lib/src/nodeInput.ts";
import { Op } from "../dnn-lib/src/ops.ts";
import type { BenchReport } from "./harness.ts";

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
  let s = 1;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const i8 = (len: number) => Uint8Array.from({ length: len }, rnd);
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

function nodeOptions(node: NodeSpec): MachineOptions {
  const image = buildNodeInput(node);
  return {
    entry: "run",
    memoryPages: image.pages,
    writes: nodeSegments(image).map((sg) => ({ address: sg.addr, bytes: sg.bytes })),
    stepLimit: 2 ** 40,
  };
}

/** Best-of-3 wall time of a full VM run of `node`; returns [seconds, steps]. */
function timeVm(p: Program, node: NodeSpec): [number, number, Machine] {
  let best = Infinity;
  let steps = 0;
  let last: Machine | null = null;
  for (let r = 0; r < 3; r++) {
    const m = Machine.create(p, nodeOptions(node));
    best = Math.min(
      best,
      cpuSeconds(() => (steps = m.run())),
    );
    if (!m.halted) throw new Error(`bench node did not halt: ${m.trapReason}`);
    last = m;
  }
  return [best, steps, last!];
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

export async function bench(): Promise<BenchReport> {
  const bytes = await kernelBytes("vm");
  const p = loadProgram(bytes);

  const node = matmulNode(64, 64, 256);
  const [vmS, steps, m] = timeVm(p, node);
  const [v8S, v8Out] = await timeV8(bytes, node);
  const image = buildNodeInput(node);
  const vmOut = m.readMemory(image.output.addr, image.output.byteLength);
  if (Buffer.compare(Buffer.from(vmOut), Buffer.from(v8Out)) !== 0)
    throw new Error("VM and V8 outputs differ on the bench node");

  // A run of about 10^9 steps with snapshots every 2^20 steps; the state hash at a random step.
  const big = matmulNode(256, 256, 1024);
  const interval = 2 ** 20;
  const trace = new Trace(p, nodeOptions(big), interval);
  const recordS = cpuSeconds(() => trace.record());
  const k = Math.floor(trace.finalSteps * 0.618);
  const coldS = cpuSeconds(() => trace.stateHashAt(k));
  // Warm: the cursor exists; each query restores the nearest snapshot and re-runs < 2^20 steps.
  const warm: number[] = [];
  for (const f of [0.11, 0.93, 0.37, 0.71, 0.05]) {
    warm.push(cpuSeconds(() => trace.stateHashAt(Math.floor(trace.finalSteps * f))));
  }
  warm.sort((a, b) => a - b);
  const stateAtStepS = warm[2]!; // the median of the five
  const proveS = cpuSeconds(() => trace.prove(k));

  const spec = runSpecSuite();
  return {
    title: "vm",
    metrics: {
      "vm.steps_per_s": steps / vmS,
      "vm.slowdown_vs_v8": vmS / v8S,
      "vm.long_run_steps": trace.finalSteps,
      "vm.long_run_record_s": recordS,
      "vm.state_at_step_s": stateAtStepS,
      "vm.state_at_step_cold_s": coldS,
      "vm.prove_step_s": proveS,
      "vm.snapshot_bytes_per_million_steps": (trace.snapshotBytes / trace.finalSteps) * 1e6,
      "vm.spec.passed": spec.passed,
      "vm.spec.failed": spec.failed,
      "vm.spec.refused": spec.refused,
    },
    rows: [
      [
        "steps/s node",
        "matmul 64×64×256 (int8, VM build)",
        `${steps} steps, ${(vmS * 1e3).toFixed(1)} ms VM vs ${(v8S * 1e3).toFixed(2)} ms V8`,
      ],
      [
        "long run",
        `matmul 256×256×1024, ${trace.finalSteps} steps`,
        `snapshots every 2^20 steps: ${trace.snapshots.length}, ${(trace.snapshotBytes / 2 ** 20).toFixed(1)} MiB`,
      ],
      [
        "state at step",
        `k = ${k}`,
        "trace cursor restored to the nearest snapshot (changed chunks only), < 2^20 steps re-run, changed leaves rehashed",
      ],
      [
        "spec refusals",
        [...spec.refusals].map(([f, n]) => `${f} ×${n}`).join("; "),
        `${spec.textOnly} text-format assertions left to wabt`,
      ],
    ],
    notes: [
      "Slowdown: same kernels-vm.wasm, same node input, V8's optimizing tier vs the VM interpreter (no hashing).",
    ],
  };
}
