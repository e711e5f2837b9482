/** Small integer models for tests: seeded weights, real quantization parameters. */
import { Op } from "../src/ops.ts";
import { SlotKind } from "../src/nodeInput.ts";
import { cacheSlot, type Model } from "../src/model/Model.ts";
import { Rng } from "../../common/rng.ts";

const A = (slot: number) => ({ kind: SlotKind.activation, slot });
const W = (slot: number) => ({ kind: SlotKind.weight, slot });
const bytes = (a: Int8Array | Int16Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** in → matmul(16→32) → relu → matmul(32→10): 3 nodes, 8 weight tensors. */
export function tinyMlp(seed = 1): Model {
  const r = new Rng(seed);
  const i8 = (n: number) => bytes(Int8Array.from({ length: n }, () => r.int(-128, 127)));
  const i32 = (n: number, f: () => number) => bytes(Int32Array.from({ length: n }, f));
  const layer = (n: number, k: number, shift: number) => [
    i8(n * k),
    i32(n, () => r.int(-2000, 2000)),
    i32(n, () => r.int(1 << 30, 0x7fffffff)),
    i32(n, () => shift),
  ];
  return {
    name: "tiny-mlp",
    inputLength: 16,
    inputScale: 1 / 64,
    outputScale: 1 / 16,
    nodes: [
      { op: Op.matmul, inputs: [A(0), W(0), W(1), W(2), W(3)], params: [1, 32, 16] },
      { op: Op.relu, inputs: [A(1)], params: [32] },
      { op: Op.matmul, inputs: [A(2), W(4), W(5), W(6), W(7)], params: [1, 10, 32] },
    ],
    weights: [...layer(32, 16, 42), ...layer(10, 32, 37)],
  };
}

/** in[4][8] → layernorm → matmul(8→8) → softmax → attention over itself (H 1, T 4, Dh 8): scratch and LUT operands. */
export function tinyMixed(seed = 2): Model {
  const r = new Rng(seed);
  const i8 = (n: number) => bytes(Int8Array.from({ length: n }, () => r.int(-128, 127)));
  const i32 = (n: number, f: () => number) => bytes(Int32Array.from({ length: n }, f));
  const exp = i32(
    256,
    (() => {
      let j = 0;
      return () => Math.round(32768 * Math.exp(-0.05 * j++));
    })(),
  );
  return {
    name: "tiny-mixed",
    inputLength: 32,
    inputScale: 1 / 32,
    outputScale: 1 / 127,
    nodes: [
      { op: Op.norm, inputs: [A(0), W(0), W(1)], params: [4, 8, 0, 0, 1 << 30, 43] },
      { op: Op.matmul, inputs: [A(1), W(2), W(3), W(4), W(5)], params: [4, 8, 8] },
      { op: Op.softmax, inputs: [A(2), W(6)], params: [4, 8] },
      { op: Op.attention, inputs: [A(2), A(1), A(3), W(6)], params: [1, 4, 8, 4, 0, 1 << 30, 38, 1 << 30, 37] },
    ],
    weights: [
      i8(8),
      i32(8, () => r.int(-500, 500)),
      i8(64),
      i32(8, () => r.int(-500, 500)),
      i32(8, () => 1 << 30),
      i32(8, () => 38),
      exp,
    ],
  };
}

/**
 * in[4][16] int8 → int16 (×128) → matmul16(16→8) → relu16 → lut16 → strided transpose [8][4]
 * → add16 (a residual of itself at ½ + ¼) → int8: every int16 op and `strided` in one graph.
 */
export function tinyInt16(seed = 3): Model {
  const r = new Rng(seed);
  const i8 = (n: number) => bytes(Int8Array.from({ length: n }, () => r.int(-128, 127)));
  const i32 = (n: number, f: () => number) => bytes(Int32Array.from({ length: n }, f));
  const table = new Int16Array(257).map((_, i) => Math.round(32767 * Math.tanh((i - 128) / 40)));
  return {
    name: "tiny-int16",
    inputLength: 64,
    inputScale: 1 / 32,
    outputScale: 1 / 127,
    nodes: [
      { op: Op.cvt8to16, inputs: [A(0)], params: [64, 1 << 30, 23] },
      { op: Op.matmul16, inputs: [A(1), W(0), W(1), W(2), W(3)], params: [4, 8, 16] },
      { op: Op.relu16, inputs: [A(2)], params: [32] },
      { op: Op.lut16, inputs: [A(3), W(4)], params: [32] },
      { op: Op.strided, inputs: [A(4)], params: [1, 1, 8, 4, 0, 0, 1, 8, 2, 32] },
      { op: Op.add16, inputs: [A(5), A(5)], params: [32, 1 << 30, 1 << 29, 31] },
      { op: Op.cvt16to8, inputs: [A(6)], params: [32, 1 << 30, 38] },
    ],
    weights: [
      i8(8 * 16),
      i32(8, () => r.int(-200000, 200000)),
      i32(8, () => r.int(1 << 30, 0x7fffffff)),
      i32(8, () => 38),
      bytes(table),
    ],
  };
}

/**
 * `nodes` matmul(`width`→`width`) layers in a chain, each requantized back to int8: a model whose
 * every node is one large run in the VM (at width 1024 about a second each on a laptop), for the
 * defender-load test and bench, where games are steered to different nodes.
 */
export function matmulChain(nodes: number, width: number, seed = 4): Model {
  const r = new Rng(seed);
  const i8 = (n: number) => bytes(Int8Array.from({ length: n }, () => r.int(-128, 127)));
  const i32 = (n: number, f: () => number) => bytes(Int32Array.from({ length: n }, f));
  return {
    name: `matmul-chain-${nodes}x${width}`,
    inputLength: width,
    inputScale: 1 / 64,
    outputScale: 1 / 16,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      op: Op.matmul,
      inputs: [A(i), W(4 * i), W(4 * i + 1), W(4 * i + 2), W(4 * i + 3)],
      params: [1, width, width],
    })),
    weights: Array.from({ length: nodes }, () => [
      i8(width * width),
      i32(width, () => r.int(-2000, 2000)),
      i32(width, () => r.int(1 << 30, 0x7fffffff)),
      i32(width, () => 44),
    ]).flat(),
  };
}

/**
 * A 3-node model with a cache slot (docs/protocol.md §4.2): node 0 copies the 16-byte input into
 * block 1 of a 128-byte cache (the cache was empty), node 1 writes its ReLU into block 2 (the
 * cache was not), node 2 copies the whole cache into its own slot: the model's output.
 */
export function tinyCache(): Model {
  return {
    name: "tiny-cache",
    inputLength: 16,
    inputScale: 1 / 16,
    outputScale: 1 / 16,
    caches: [128],
    nodes: [
      { op: Op.copy, inputs: [A(0)], params: [16], into: { cache: 0, offset: 32 } },
      { op: Op.relu, inputs: [A(0)], params: [16], into: { cache: 0, offset: 64 } },
      { op: Op.copy, inputs: [A(cacheSlot(0))], params: [128] },
    ],
    weights: [],
  };
}
