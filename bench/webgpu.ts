/**
 * The WebGPU backend (dnn-lib/src/webgpu): for every op, seeded random nodes (as many again at
 * the edges: extreme multipliers and shifts, saturating inputs, size-1 dimensions) run on the GPU
 * and compared byte for byte with the TypeScript reference. `dnn.webgpu.ops_bitexact` counts the
 * ops whose every node matched (goal: all of them). The adapter is named in the notes; a software
 * one (llvmpipe, lavapipe, SwiftShader) gives no speed figure, a real GPU gives
 * `dnn.webgpu.vs_native` (native SIMD time / GPU time of the ladder's d512 up-projection, M = 16).
 */
import { Op, type OpName } from "../dnn-lib/src/ops.ts";
import { runReference } from "../dnn-lib/src/reference/runReference.ts";
import { randomNode } from "../dnn-lib/src/randomNode.ts";
import { SimdBackend } from "../dnn-lib/src/runner/Backend.ts";
import { WebGpuBackend } from "../dnn-lib/src/runner/WebGpuBackend.ts";
import { Rng } from "../common/rng.ts";
import { fmt, timeIt, type BenchReport } from "./harness.ts";

/** Random nodes per op, and as many edge-case ones. */
const CASES = 8;
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe/i;

export async function bench(): Promise<BenchReport> {
  const ops = Object.keys(Op) as OpName[];
  const gpu = await WebGpuBackend.create();
  const rows: [string, string, string][] = [];
  let exact = 0;
  try {
    for (const name of ops) {
      const rng = new Rng(0xb17e0000 + Op[name]);
      let same = 0;
      for (let i = 0; i < 2 * CASES; i++) {
        const node = randomNode(name, rng, i >= CASES);
        const ref = runReference(node.op, node.inputs, node.params);
        if (Buffer.from(gpu.runNode(node.op, node.inputs, node.params)).equals(ref)) same++;
      }
      if (same === 2 * CASES) exact++;
      rows.push([`${name} (op ${Op[name]})`, `${same}/${2 * CASES}`, "nodes bit-exact with the reference"]);
    }
    const metrics: Record<string, number> = {
      "dnn.webgpu.ops_bitexact": exact,
      "dnn.webgpu.ops_total": ops.length,
    };
    const notes = [
      `Adapter: ${gpu.device}. Child processes restarted after a Dawn crash during the run: ${gpu.restarts}.`,
      "`dnn.webgpu.ops_bitexact`: ops (of `dnn.webgpu.ops_total`) whose every seeded node, random and edge-case, the GPU computed bit for bit as the reference does. Goal: all of them.",
    ];
    if (SOFTWARE.test(gpu.device)) {
      notes.push(
        "A software adapter: correctness only, no `dnn.webgpu.vs_native` (it needs a machine with a real GPU; the card is then named here).",
      );
    } else {
      const [M, N, K] = [16, 2048, 512];
      const r = new Rng(7);
      const bytes = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
      const w = bytes(N * K);
      const i32 = (f: () => number) => new Uint8Array(Int32Array.from({ length: N }, f).buffer);
      const inputs = [bytes(M * K), w, i32(() => r.int(-1000, 1000)), i32(() => 1 << 30), i32(() => 40)];
      const params = [M, N, K];
      const resident = await WebGpuBackend.create([w]);
      try {
        const simd = await SimdBackend.create();
        const tGpu = timeIt(() => resident.runNode(Op.matmul, inputs, params));
        const tSimd = timeIt(() => simd.runNode(Op.matmul, inputs, params));
        metrics["dnn.webgpu.vs_native"] = tSimd / tGpu;
        rows.push(["matmul 16×2048×512, weights resident", `${fmt(tGpu * 1e3)} ms`, `SIMD ${fmt(tSimd * 1e3)} ms`]);
        notes.push(`\`dnn.webgpu.vs_native\` measured on ${gpu.device}: SIMD time / GPU time, one node a call.`);
      } finally {
        await resident.close();
      }
    }
    return { title: "WebGPU backend: every op bit-exact with the reference", metrics, rows, notes };
  } finally {
    await gpu.close();
  }
}
