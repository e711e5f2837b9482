/**
 * attnCache (op 31), docs/fixed-point.md §3: the reference, the SIMD build, the VM build under V8 and
 * the VM build run by the project's VM (vm/) agree bit for bit within the step estimate; and op 31
 * is op 13 `attention` of one query row (Tq = 1, Tmax = pos + 1, pos0 = pos) on head-major copies
 * of keys 0 … pos of the position-major caches, so padding and the rows after pos are never read.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Op } from "../../dnn-lib/src/ops.ts";
import type { NodeSpec } from "../../dnn-lib/src/nodeInput.ts";
import { expTable, randomNode } from "../../dnn-lib/src/randomNode.ts";
import { Rng } from "../../common/rng.ts";
import { fourWay } from "./fourWay.ts";

interface Shape {
  H: number;
  Dh: number;
  G: number;
  Tmax: number;
  S: number;
  pos: number;
}
type Quant = [mS: number, sS: number, mO: number, sO: number];

/** int8 bytes of `n` values in [−128, 127]. */
const i8s = (r: Rng, n: number) => new Uint8Array(Int8Array.from({ length: n }, () => r.int(-128, 127)).buffer);
/** Is byte `i` of a cache row-major [Tmax][S] one the node may read (a head of a row 0 … pos)? */
const readable = (s: Shape, i: number) => Math.floor(i / s.S) <= s.pos && i % s.S < s.G * s.Dh;

/**
 * A random attnCache node whose caches hold non-zero bytes (±1 … ±127, −128) in their padding and
 * in every row after pos: were any read, the equality with op 13 (which never sees them) would fail.
 */
function cacheNode(r: Rng, s: Shape, quant: Quant): NodeSpec {
  const cache = () => {
    const c = i8s(r, s.Tmax * s.S);
    c.forEach((b, i) => {
      if (!readable(s, i) && b === 0) c[i] = r.pick([1, 0xff, 0x80, 0x7f]);
    });
    return c;
  };
  return {
    op: Op.attnCache,
    inputs: [i8s(r, s.H * s.Dh), cache(), cache(), expTable(0.02 + r.next() * 0.1)],
    params: [s.H, s.Dh, s.G, s.Tmax, s.S, s.pos, ...quant],
  };
}

/** The op 13 node attnCache must equal: K'[h][j][d] = k[j·S + g(h)·Dh + d] for j ≤ pos (V' alike). */
function asAttention(node: NodeSpec): NodeSpec {
  const [H, Dh, G, , S, pos, ...quant] = node.params as number[];
  const [q, k, v, exp] = node.inputs as Uint8Array[];
  const headMajor = (c: Uint8Array) => {
    const out = new Uint8Array(H! * (pos! + 1) * Dh!);
    for (let h = 0; h < H!; h++)
      for (let j = 0; j <= pos!; j++) {
        const at = j * S! + Math.floor(h / (H! / G!)) * Dh!;
        out.set(c.subarray(at, at + Dh!), (h * (pos! + 1) + j) * Dh!);
      }
    return out;
  };
  return {
    op: Op.attention,
    inputs: [q!, headMajor(k!), headMajor(v!), exp!],
    params: [H!, 1, Dh!, pos! + 1, pos!, ...quant],
  };
}

const quantOf = (r: Rng): Quant => [
  r.int(1 << 30, 0x7fffffff),
  r.int(38, 44),
  r.int(1 << 30, 0x7fffffff),
  r.int(36, 40),
];

describe("attnCache: reference = SIMD build = VM build (V8) = VM build in vm/, bit for bit", () => {
  test("60 random and 60 edge-case nodes agree in all four runs, within the step estimate", async () => {
    const rng = new Rng(0xa77c0000);
    for (let i = 0; i < 120; i++) await fourWay(randomNode("attnCache", rng, i >= 60));
  });

  test("equals op 13 on head-major caches (Tq = 1, Tmax = pos + 1, pos0 = pos) in all four runs: G = H and G < H, pos 0 and Tmax − 1, padding and later rows non-zero", async () => {
    const rng = new Rng(0xa77c0013);
    for (let i = 0; i < 48; i++) {
      const G = rng.int(1, 3),
        H = G * (i % 2 === 0 ? 1 : rng.int(2, 4)),
        Dh = rng.pick([1, 3, 8, 16, 17, 32, rng.int(1, 40)]),
        Tmax = rng.int(1, 12);
      const S = Math.max(32, 2 ** Math.ceil(Math.log2(G * Dh))) * rng.pick([1, 2]);
      const pos = [0, Tmax - 1, rng.int(0, Tmax - 1)][i % 3]!;
      const node = cacheNode(rng, { H, Dh, G, Tmax, S, pos }, quantOf(rng));
      const what = `params [${node.params.join(", ")}]`;
      assert.deepEqual(await fourWay(node), await fourWay(asAttention(node)), what);
    }
  });

  test("hand-made shapes: SIMD key blocks and value lanes with their tails, one head group, no padding, a 64-head-dim model row of 1024, one position", async () => {
    const rng = new Rng(0xa77c0031);
    const shapes: Shape[] = [
      { H: 2, Dh: 32, G: 2, Tmax: 11, S: 64, pos: 10 }, // 4-key blocks, then 3 keys by dot8
      { H: 4, Dh: 48, G: 1, Tmax: 8, S: 64, pos: 7 }, // multi-query: every head reads group 0
      { H: 3, Dh: 21, G: 3, Tmax: 5, S: 63, pos: 4 }, // S = G·Dh: no padding, not a power of two
      { H: 8, Dh: 64, G: 2, Tmax: 70, S: 1024, pos: 69 },
      { H: 1, Dh: 1, G: 1, Tmax: 1, S: 32, pos: 0 },
    ];
    for (const s of shapes) {
      const node = cacheNode(rng, s, quantOf(rng));
      assert.deepEqual(await fourWay(node), await fourWay(asAttention(node)), JSON.stringify(s));
    }
  });

  test("extreme quantization: multiplier 0 gives zeros, shift 0 saturates, shift 62 and 2^31 − 1 agree in all four runs", async () => {
    const rng = new Rng(0xa77c0062);
    const s: Shape = { H: 4, Dh: 16, G: 2, Tmax: 6, S: 32, pos: 5 };
    assert.deepEqual(
      await fourWay(cacheNode(rng, s, [1 << 30, 40, 0, 0])),
      new Uint8Array(s.H * s.Dh),
      "mO = 0: every output 0",
    );
    const sat = await fourWay(cacheNode(rng, s, [1 << 30, 40, 0x7fffffff, 0]));
    assert.ok(
      sat.every((b) => b === 0 || b === 0x7f || b === 0x80),
      "sO = 0 at mO = 2^31 − 1: saturated",
    );
    for (const quant of [
      [0x7fffffff, 62, 0x7fffffff, 62],
      [0, 0, 1, 62],
      [0x7fffffff, 0, 0x7fffffff, 1],
    ] as Quant[]) {
      const node = cacheNode(rng, s, quant);
      assert.deepEqual(await fourWay(node), await fourWay(asAttention(node)), `quant [${quant.join(", ")}]`);
    }
  });
});
