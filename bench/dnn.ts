/**
 * dnn-lib kernels: int8 matmul throughput of the SIMD build and of the scalar
 * (VM) build, both run by V8 (dnn.int8_matmul_gmacs, dnn.scalar_int8_matmul_gmacs,
 * dnn.simd_vs_scalar), and the VM steps one multiply-accumulate costs in the
 * project's VM (dnn.vm_steps_per_mac), which sizes the graph compiler's tiles.
 */
import { KernelInstance } from "../dnn-lib/src/KernelInstance.ts";
import { buildNodeInput, type NodeSpec } from "../dnn-lib/src/nodeInput.ts";
import { Op } from "../dnn-lib/src/ops.ts";
import { runInVm } from "../dnn-lib/src/runInVm.ts";
import { Rng } from "../dnn-lib/test/randomNodes.ts";
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

async function gmacs(flavor: "vm" | "simd", M: number, N: number, K: number): Promise<number> {
  const image = buildNodeInput(matmulNode(M, N, K));
  const k = await KernelInstance.create(flavor);
  k.load(image);
  return (M * N * K) / timeIt(() => k.run(), 500, 3) / 1e9;
}

export async function bench(): Promise<BenchReport> {
  const [M, N, K] = [64, 256, 512];
  const simd = await gmacs("simd", M, N, K);
  const scalar = await gmacs("vm", M, N, K);
  const [m, n, k] = [4, 16, 64];
  const vm = await runInVm(matmulNode(m, n, k));
  const stepsPerMac = vm.steps / (m * n * k);
  return {
    title: "dnn-lib kernels",
    metrics: {
      "dnn.int8_matmul_gmacs": simd,
      "dnn.scalar_int8_matmul_gmacs": scalar,
      "dnn.simd_vs_scalar": simd / scalar,
      "dnn.vm_steps_per_mac": stepsPerMac,
    },
    rows: [
      ["int8 matmul, SIMD build under V8", `${fmt(simd)} GMAC/s`, `${M}×${K} · ${K}×${N}, single thread`],
      ["int8 matmul, scalar (VM) build under V8", `${fmt(scalar)} GMAC/s`, "same node"],
      ["SIMD / scalar", fmt(simd / scalar), ""],
      ["VM steps per MAC (matmul)", fmt(stepsPerMac), `${m}×${k} · ${k}×${n} in vm/Machine, ${vm.steps} steps`],
    ],
  };
}
