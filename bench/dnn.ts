/**
 * dnn-lib kernels: int8 matmul throughput on the decoder ladder's largest matmul of the native
 * runner (onnxruntime's integer GEMM, the kernels requantizing: dnn.int8_matmul_gmacs), of the
 * SIMD build's own GEMM and of the scalar (VM) build, both run by V8
 * (dnn.kernels_int8_matmul_gmacs, dnn.scalar_int8_matmul_gmacs, dnn.simd_vs_scalar), and the VM steps one multiply-accumulate costs in the
 * project's VM (dnn.vm_steps_per_mac), which sizes the graph compiler's tiles.
 */
import { KernelInstance } from "../dnn-lib/src/KernelInstance.ts";
import { buildNodeInput, type NodeSpec } from "../dnn-lib/src/nodeInput.ts";
import { Op } from "../dnn-lib/src/ops.ts";
import { runInVm } from "../phase/runInVm.ts";
import { Rng } from "../common/rng.ts";
import { compileModel } from "../phase/compileModel.ts";
import { NativeRunner } from "../dnn-lib/src/runner/NativeRunner.ts";
import { runModel } from "../dnn-lib/src/runner/runModel.ts";
import { SimdBackend } from "../dnn-lib/src/runner/Backend.ts";
import { SlotKind } from "../dnn-lib/src/nodeInput.ts";
import type { Model } from "../dnn-lib/src/model/Model.ts";
import { fmt, timeIt, type BenchReport } from "./harness.ts";

function matmulNode(M: number, N: number, K: number): NodeSpec {
  const r = new Rng(M * N + K);
  const i8 = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
  const i32 = (n: number, v: () => number) => new Uint8Array(Int32Array.from({ length: n }, v).buffer);
  return {
    op: Op.matmul,
    inputs: [i8(M * K), i8(N * K), i32(N, () => r.int(-1000, 1000)), i32(N, () => 1 << 30), i32(N, () => 40)],
    params: [M, N, K],
  };
}

/** A batch-1 MLP of `layers` D×D matmul + relu pairs: the case where copying weights per node hurts most. */
function mlp(D: number, layers: number): Model {
  const r = new Rng(D);
  const nodes: Model["nodes"] = [];
  const weights: Uint8Array[] = [];
  const i32 = (n: number, v: () => number) => new Uint8Array(Int32Array.from({ length: n }, v).buffer);
  for (let l = 0; l < layers; l++) {
    const w = weights.length;
    weights.push(
      Uint8Array.from({ length: D * D }, () => r.int(0, 255)),
      i32(D, () => 0),
      i32(D, () => 1 << 30),
      i32(D, () => 40),
    );
    nodes.push({
      op: Op.matmul,
      inputs: [
        { kind: SlotKind.activation, slot: 2 * l },
        ...[0, 1, 2, 3].map((k) => ({ kind: SlotKind.weight, slot: w + k })),
      ],
      params: [1, D, D],
    });
    nodes.push({ op: Op.relu, inputs: [{ kind: SlotKind.activation, slot: 2 * l + 1 }], params: [D] });
  }
  return { name: `mlp${D}x${layers}`, inputLength: D, inputScale: 1, outputScale: 1, nodes, weights };
}

/** conv2d C→OC on an H×W image, 3×3, stride 1, pad 1: the CNN case. */
async function convGmacs(flavor: "vm" | "simd", C: number, H: number, W: number, OC: number): Promise<number> {
  const r = new Rng(C * H + OC);
  const i8 = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
  const i32 = (n: number, v: () => number) => new Uint8Array(Int32Array.from({ length: n }, v).buffer);
  const node: NodeSpec = {
    op: Op.conv2d,
    inputs: [i8(C * H * W), i8(OC * C * 9), i32(OC, () => 0), i32(OC, () => 1 << 30), i32(OC, () => 40)],
    params: [C, H, W, OC, 3, 3, 1, 1],
  };
  const image = buildNodeInput(node);
  const k = await KernelInstance.create(flavor);
  k.load(image);
  return (OC * H * W * C * 9) / timeIt(() => k.run(), 500, 3) / 1e9;
}

async function gmacs(flavor: "vm" | "simd", M: number, N: number, K: number): Promise<number> {
  const image = buildNodeInput(matmulNode(M, N, K));
  const k = await KernelInstance.create(flavor);
  k.load(image);
  return (M * N * K) / timeIt(() => k.run(), 500, 3) / 1e9;
}

/** GMAC/s of NativeRunner.infer on one matmul node of random weights (its default GEMM). */
async function nativeGmacs(M: number, N: number, K: number): Promise<number> {
  const r = new Rng(0x9e);
  const i32s = (n: number, f: () => number) => new Uint8Array(Int32Array.from({ length: n }, f).buffer);
  const model: Model = {
    name: "matmul",
    inputLength: M * K,
    inputScale: 1,
    outputScale: 1,
    nodes: [
      {
        op: Op.matmul,
        inputs: [
          { kind: SlotKind.activation, slot: 0 },
          ...[0, 1, 2, 3].map((slot) => ({ kind: SlotKind.weight, slot })),
        ],
        params: [M, N, K],
      },
    ],
    weights: [
      Uint8Array.from({ length: N * K }, () => r.int(0, 255)),
      i32s(N, () => r.int(-3000, 3000)),
      i32s(N, () => r.int(1 << 30, 0x7fffffff)),
      i32s(N, () => 38),
    ],
  };
  const runner = await NativeRunner.create(await compileModel(model));
  const x = Uint8Array.from({ length: M * K }, () => r.int(0, 255));
  const t = timeIt(() => runner.infer(x), 500, 3);
  await runner.close();
  return (M * N * K) / t / 1e9;
}

export async function bench(): Promise<BenchReport> {
  // The decoder ladder's largest matmul: d768's MLP (16 tokens × 768 → 3072).
  const [M, N, K] = [16, 3072, 768];
  const kernelsGemm = await gmacs("simd", M, N, K);
  const native = await nativeGmacs(M, N, K);
  const scalar = await gmacs("vm", M, N, K);
  const convSimd = await convGmacs("simd", 16, 32, 32, 32);
  const convScalar = await convGmacs("vm", 16, 32, 32, 32);
  const [m, n, k] = [4, 16, 64];
  const vm = await runInVm(matmulNode(m, n, k));
  const stepsPerMac = vm.steps / (m * n * k);
  const model = await compileModel(mlp(512, 4));
  const x = Uint8Array.from({ length: 512 }, (_, i) => i);
  const resident = await NativeRunner.create(model);
  const backend = await SimdBackend.create();
  const tResident = timeIt(() => resident.infer(x), 500, 5);
  const copyPath = () => {
    const acts: Uint8Array[] = [x];
    for (const node of model.model.nodes)
      acts.push(
        backend.runNode(
          node.op,
          node.inputs.map((s) => (s.kind === SlotKind.weight ? model.model.weights[s.slot]! : acts[s.slot]!)),
          node.params,
        ),
      );
  };
  const tCopy = timeIt(copyPath, 500, 5);
  const tCopyStates = timeIt(() => runModel(model, x, backend), 500, 5);
  const tStates = timeIt(() => resident.run(x), 500, 5);
  return {
    title: "dnn-lib kernels",
    metrics: {
      "dnn.int8_matmul_gmacs": native,
      "dnn.kernels_int8_matmul_gmacs": kernelsGemm,
      "dnn.scalar_int8_matmul_gmacs": scalar,
      "dnn.simd_vs_scalar": kernelsGemm / scalar,
      "dnn.vm_steps_per_mac": stepsPerMac,
      "dnn.int8_conv3x3_gmacs": convSimd,
      "dnn.conv_simd_vs_scalar": convSimd / convScalar,
      "dnn.mlp512x4_infer_us": tResident * 1e6,
      "dnn.resident_vs_copy": tCopy / tResident,
      "dnn.mlp512x4_run_with_states_us": tStates * 1e6,
      "dnn.mlp512x4_copy_run_with_states_us": tCopyStates * 1e6,
    },
    rows: [
      [
        "int8 matmul, native runner (onnxruntime's integer GEMM, the kernels requantize)",
        `${fmt(native)} GMAC/s`,
        `${M}×${K} · ${K}×${N} (d768's MLP at context 16), single thread, weights in cache`,
      ],
      ["int8 matmul, SIMD build's own GEMM under V8", `${fmt(kernelsGemm)} GMAC/s`, "same node"],
      ["int8 matmul, scalar (VM) build under V8", `${fmt(scalar)} GMAC/s`, "same node"],
      ["SIMD / scalar", fmt(kernelsGemm / scalar), ""],
      ["int8 conv2d 3×3, SIMD build", `${fmt(convSimd)} GMAC/s`, "16→32 channels, 32×32, pad 1"],
      ["int8 conv2d 3×3, scalar build", `${fmt(convScalar)} GMAC/s`, `SIMD is ${fmt(convSimd / convScalar)}×`],
      ["batch-1 MLP 512×512 ×4 (+relu), resident NativeRunner", `${fmt(tResident * 1e6)} µs`, "output only"],
      [
        "same, operands copied per node (SimdBackend + runModel)",
        `${fmt(tCopy * 1e6)} µs`,
        `resident is ${fmt(tCopy / tResident)}× faster (copy path also hashes S_i)`,
      ],
      ["same, resident with S_0..S_N", `${fmt(tStates * 1e6)} µs`, "hashing every node's output"],
      ["VM steps per MAC (matmul)", fmt(stepsPerMac), `${m}×${k} · ${k}×${n} in vm/Machine, ${vm.steps} steps`],
    ],
  };
}
