/**
 * The native build's fast paths (im2col + GEMM conv2d at any stride, tiled GEMM
 * matmul for M ≥ 4 and K a multiple of 16, vector requantization, 2×2 pools,
 * vector add, norm and softmax through corrected float divisions) on shapes
 * chosen to reach them and their tails: each node must give the reference's
 * bits in the SIMD build and in the VM build.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op } from "../src/ops.ts";
import type { NodeSpec } from "../src/nodeInput.ts";
import { runReference } from "../src/reference/runReference.ts";
import { runKernel } from "../src/runKernel.ts";
import { KernelInstance } from "../src/KernelInstance.ts";
import { DESC_ADDR, buildNodeInput } from "../src/nodeInput.ts";
import { Rng } from "../../common/rng.ts";
import { expTable } from "../src/randomNode.ts";

const bytes = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const i8s = (r: Rng, n: number, sat = false) =>
  bytes(Int8Array.from({ length: n }, () => (sat && r.next() < 0.3 ? r.pick([-128, 127]) : r.int(-128, 127))));
const i32s = (n: number, f: (i: number) => number) => bytes(Int32Array.from({ length: n }, (_, i) => f(i)));

/** Multipliers and shifts that reach every branch of the vector requantization (saturation, shift 0, shift 62). */
function requantParams(r: Rng, n: number, lo: number, hi: number): [Uint8Array, Uint8Array] {
  const edge = r.next() < 0.3;
  return [
    i32s(n, () => (edge ? r.pick([0, 1, 0x7fffffff, 1 << 30]) : r.int(1 << 30, 0x7fffffff))),
    i32s(n, () => (edge ? r.pick([0, 1, 31, 54, 55, 61, 62]) : r.int(lo, hi))),
  ];
}

/**
 * The SIMD build on a dirty scratch: the native runner keeps one instance for every node, so the
 * native build's scratch and spill lanes [0x1000, DESC_ADDR) hold the last node's leftovers.
 */
async function runSimdDirty(node: NodeSpec): Promise<Uint8Array> {
  const k = await KernelInstance.create("simd");
  const image = buildNodeInput(node);
  k.ensurePages(image.pages);
  k.bytes.fill(0xa5, 0x1000, DESC_ADDR);
  k.load(image);
  k.run();
  return k.output(image);
}

async function agree(node: NodeSpec, what: string): Promise<void> {
  const ref = runReference(node.op, node.inputs, node.params);
  assert.deepEqual(await runKernel("simd", node), ref, `SIMD build differs from the reference: ${what}`);
  assert.deepEqual(await runSimdDirty(node), ref, `SIMD build on a dirty scratch differs from the reference: ${what}`);
  assert.deepEqual(await runKernel("vm", node), ref, `VM build differs from the reference: ${what}`);
}

describe("native fast paths agree with the reference and the VM build", () => {
  test("conv2d through im2col + GEMM: narrow and wide images, strides 1–3, pads 0–2, odd channel counts, patch rows of 16·k ± 1 bytes, several scratch chunks", async () => {
    const r = new Rng(0xc0a7);
    const shapes = [
      [1, 16, 16, 8, 3, 3, 1, 1],
      [8, 8, 8, 16, 3, 3, 1, 1],
      [3, 9, 11, 5, 3, 3, 2, 1],
      [2, 7, 20, 3, 5, 3, 3, 2],
      [4, 6, 6, 7, 1, 1, 1, 0],
      [5, 5, 17, 2, 2, 4, 2, 0],
      [1, 1, 1, 1, 1, 1, 1, 0],
      [40, 4, 4, 9, 3, 3, 1, 1],
      // patch rows of exactly 16, of 17 and of 31 bytes (row padding none, 15 and 1 bytes)
      [16, 5, 5, 4, 1, 1, 1, 0],
      [17, 4, 6, 3, 1, 1, 1, 0],
      [1, 33, 9, 2, 3, 3, 1, 2],
      // more pixels than the scratch holds (several patch chunks), more weight rows than fit
      [3, 64, 64, 4, 3, 3, 1, 1],
      [64, 6, 6, 60, 3, 3, 1, 1],
    ] as const;
    for (const [C, H, W, OC, KH, KW, st, pad] of [...shapes, ...shapes]) {
      const [mult, shift] = requantParams(r, OC, 34, 42);
      const node = {
        op: Op.conv2d,
        inputs: [
          i8s(r, C * H * W, true),
          i8s(r, OC * C * KH * KW, true),
          i32s(OC, () => r.int(-3000, 3000)),
          mult,
          shift,
        ],
        params: [C, H, W, OC, KH, KW, st, pad],
      };
      await agree(node, `conv2d [${node.params.join(", ")}]`);
    }
  });

  test("matmul through the tiled GEMM (per-column requant table, or per weight row when N < 4): K a multiple of 16, odd N and M, edge multipliers and shifts", async () => {
    const r = new Rng(0x3a7);
    for (const [M, N, K] of [
      [16, 128, 32],
      [16, 16, 32],
      [4, 1, 16],
      [5, 7, 48],
      [9, 3, 128],
      [6, 33, 16],
      [2, 8, 32],
      [3, 5, 16],
    ] as const) {
      for (let rep = 0; rep < 3; rep++) {
        const [mult, shift] = requantParams(r, N, 36, 46);
        const node = {
          op: Op.matmul,
          inputs: [i8s(r, M * K, true), i8s(r, N * K, true), i32s(N, () => r.int(-5000, 5000)), mult, shift],
          params: [M, N, K],
        };
        await agree(node, `matmul [${node.params.join(", ")}] rep ${rep}`);
      }
    }
  });

  test("2×2 stride-2 max and average pools: rows of 16+ columns, of 8, and odd widths", async () => {
    const r = new Rng(0x9001);
    for (const op of [Op.maxpool, Op.avgpool])
      for (const [C, H, W] of [
        [8, 16, 16],
        [16, 8, 8],
        [2, 5, 35],
        [3, 4, 2],
        [1, 3, 19],
      ] as const)
        await agree(
          { op, inputs: [i8s(r, C * H * W, true)], params: [C, H, W, 2, 2] },
          `pool ${op} [${C}, ${H}, ${W}]`,
        );
  });

  test("add in i64x2 lanes: lengths with and without a tail, shifts 0 to 62, saturating operands", async () => {
    const r = new Rng(0xadd);
    for (const n of [512, 16, 17, 47])
      for (const s of [0, 1, 31, 32, 62]) {
        const node = {
          op: Op.add,
          inputs: [i8s(r, n, true), i8s(r, n, true)],
          params: [n, r.pick([0, 1 << 30, 0x7fffffff]), r.int(1 << 30, 0x7fffffff), s],
        };
        await agree(node, `add n ${n} shift ${s}`);
      }
  });

  test("layernorm and rmsnorm with the corrected float root and divisions: rows of 16·k and with tails, eps extremes, requantization edges", async () => {
    const r = new Rng(0x4e4);
    for (const [R, D] of [
      [16, 32],
      [3, 64],
      [2, 33],
      [1, 1],
      [2, 7],
      [1, 4096],
    ] as const)
      for (const mode of [0, 1])
        for (const eps of [0, 10, 0x7fffffff]) {
          const node = {
            op: Op.norm,
            inputs: [i8s(r, R * D, true), i8s(r, D), i32s(D, () => r.int(-20000, 20000))],
            params: [R, D, mode, eps, r.int(1 << 30, 0x7fffffff), r.int(40, 44)],
          };
          await agree(node, `norm [${node.params.join(", ")}]`);
        }
    // The output requantization at its edges: multipliers 0, 1 and 2^31 − 1; shifts inside the
    // vector path's range [1, 44] at both ends and outside it (0, 45, 62).
    for (const m of [0, 1, 0x7fffffff])
      for (const s of [0, 1, 44, 45, 62]) {
        const node = {
          op: Op.norm,
          inputs: [i8s(r, 4 * 24, true), i8s(r, 24), i32s(24, () => r.int(-20000, 20000))],
          params: [4, 24, m & 1, 10, m, s],
        };
        await agree(node, `norm [${node.params.join(", ")}]`);
      }
  });

  test("softmax and attention rows with the corrected float division by the row sum", async () => {
    const r = new Rng(0x50f7);
    for (const [R, L] of [
      [16, 64],
      [2, 300],
      [3, 1],
    ] as const)
      for (const scale of [0, 0.001, 0.05, 10])
        await agree(
          { op: Op.softmax, inputs: [i8s(r, R * L, true), expTable(scale)], params: [R, L] },
          `softmax [${R}, ${L}] scale ${scale}`,
        );
    const [H, Tq, Dh] = [2, 16, 16];
    const node = {
      op: Op.attention,
      inputs: [i8s(r, H * Tq * Dh), i8s(r, H * Tq * Dh), i8s(r, H * Tq * Dh), expTable(0.05)],
      params: [H, Tq, Dh, Tq, 0, 1602107135, 38, 1085829040, 37],
    };
    await agree(node, "attention [2, 16, 16]");
  });
});
