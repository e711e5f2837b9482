/**
 * Seeded random nodes for the differential tests: for each op, shapes and
 * operands drawn from a small PRNG, with an `edge` flavour that pushes
 * quantization parameters to their extremes (shift 0 and 62, multiplier 0 and
 * 2^31 − 1, saturating inputs, size-1 dimensions).
 */
import { Op, type OpName } from "./ops.ts";
import type { NodeSpec } from "./nodeInput.ts";
import { Rng } from "../../common/rng.ts";
import { randomGenNode } from "./randomGenNode.ts";

const bytes = (a: Int8Array | Int16Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function i8s(r: Rng, n: number, edge: boolean): Uint8Array {
  return bytes(
    Int8Array.from({ length: n }, () => (edge && r.next() < 0.5 ? r.pick([-128, 127, 0, -1]) : r.int(-128, 127))),
  );
}
/** int16 values; edge cases put half of them on the saturation points and around 0. */
function i16s(r: Rng, n: number, edge: boolean): Uint8Array {
  return bytes(
    Int16Array.from({ length: n }, () =>
      edge && r.next() < 0.5 ? r.pick([-32768, 32767, -32767, 0, -1, 1]) : r.int(-32768, 32767),
    ),
  );
}
function i32s(r: Rng, n: number, lo: number, hi: number): Uint8Array {
  return bytes(Int32Array.from({ length: n }, () => r.int(lo, hi)));
}
/** A multiplier: normalized [2^30, 2^31) normally, extremes on edge cases. */
function mult(r: Rng, edge: boolean): number {
  return edge && r.next() < 0.5 ? r.pick([0, 1, 0x7fffffff, 1 << 30]) : r.int(1 << 30, 0x7fffffff);
}
function shift(r: Rng, edge: boolean, lo: number, hi: number): number {
  return edge && r.next() < 0.5 ? r.pick([0, 1, 61, 62]) : r.int(lo, hi);
}
function multArr(r: Rng, n: number, edge: boolean): Uint8Array {
  return bytes(Int32Array.from({ length: n }, () => mult(r, edge)));
}
function shiftArr(r: Rng, n: number, edge: boolean, lo: number, hi: number): Uint8Array {
  return bytes(Int32Array.from({ length: n }, () => shift(r, edge, lo, hi)));
}
/** A softmax exp table for a random input scale, as the compiler builds it. */
export function expTable(scale: number): Uint8Array {
  return bytes(Int32Array.from({ length: 256 }, (_, j) => Math.round(32768 * Math.exp(-scale * j))));
}
function dim(r: Rng, edge: boolean, hi: number): number {
  return edge && r.next() < 0.3 ? 1 : r.int(1, hi);
}

export function randomNode(name: OpName, r: Rng, edge: boolean): NodeSpec {
  const op = Op[name];
  switch (name) {
    case "requant16":
    case "cvt8to16":
    case "cvt16to8":
    case "matmul16":
    case "add16":
    case "mul16":
    case "relu16":
    case "lut16":
    case "strided":
      return randomInt16Node(name, r, edge);
    case "genInit":
    case "genSample":
      return randomGenNode(name, r, edge);
    case "matmul": {
      const M = dim(r, edge, 5),
        N = dim(r, edge, 6),
        K = dim(r, edge, 70);
      const inputs = [
        i8s(r, M * K, edge),
        i8s(r, N * K, edge),
        i32s(r, N, -5000, 5000),
        multArr(r, N, edge),
        shiftArr(r, N, edge, 36, 46),
      ];
      return { op, inputs, params: [M, N, K] };
    }
    case "conv2d": {
      const C = dim(r, edge, 3),
        H = dim(r, edge, 7),
        W = r.next() < 0.5 ? dim(r, edge, 7) : r.int(16, 40), // wide rows reach the SIMD 16-column blocks
        OC = dim(r, edge, 4);
      const pad = r.int(0, 2),
        KH = r.int(1, Math.min(3, H + 2 * pad)),
        KW = r.int(1, Math.min(5, W + 2 * pad));
      const inputs = [
        i8s(r, C * H * W, edge),
        i8s(r, OC * C * KH * KW, edge),
        i32s(r, OC, -3000, 3000),
        multArr(r, OC, edge),
        shiftArr(r, OC, edge, 34, 42),
      ];
      return { op, inputs, params: [C, H, W, OC, KH, KW, r.next() < 0.7 ? 1 : 2, pad] };
    }
    case "maxpool":
    case "avgpool": {
      const C = dim(r, edge, 3),
        H = r.int(1, 8),
        W = r.int(1, 8),
        K = r.int(1, Math.min(H, W, 3));
      return { op, inputs: [i8s(r, C * H * W, edge)], params: [C, H, W, K, r.int(1, 2)] };
    }
    case "add": {
      const n = dim(r, edge, 100);
      return {
        op,
        inputs: [i8s(r, n, edge), i8s(r, n, edge)],
        params: [n, mult(r, edge), mult(r, edge), shift(r, edge, 30, 32)],
      };
    }
    case "mul": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i8s(r, n, edge), i8s(r, n, edge)], params: [n, mult(r, edge), shift(r, edge, 36, 40)] };
    }
    case "relu": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i8s(r, n, edge)], params: [n] };
    }
    case "lut": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i8s(r, n, edge), i8s(r, 256, false)], params: [n] };
    }
    case "softmax": {
      const R = dim(r, edge, 4),
        L = dim(r, edge, 40);
      return {
        op,
        inputs: [i8s(r, R * L, edge), expTable(edge ? r.pick([0, 0.001, 1, 10]) : 0.01 + r.next() * 0.2)],
        params: [R, L],
      };
    }
    case "norm": {
      const R = dim(r, edge, 3),
        D = dim(r, edge, 64);
      const inputs = [i8s(r, R * D, edge), i8s(r, D, edge), i32s(r, D, -20000, 20000)];
      return {
        op,
        inputs,
        params: [
          R,
          D,
          r.int(0, 1),
          edge ? r.pick([0, 1, 0x7fffffff]) : r.int(0, 100),
          mult(r, edge),
          shift(r, edge, 40, 44),
        ],
      };
    }
    case "gather": {
      const V = dim(r, edge, 10),
        D = dim(r, edge, 20),
        T = dim(r, edge, 6);
      return { op, inputs: [i8s(r, V * D, edge), i32s(r, T, 0, V - 1)], params: [V, D, T] };
    }
    case "rotary": {
      const T = dim(r, edge, 3),
        H = dim(r, edge, 2),
        Dh = 2 * dim(r, edge, 4),
        P = T + r.int(0, 4);
      const half = Dh / 2;
      const tab = (f: (a: number) => number) =>
        bytes(
          Int16Array.from({ length: P * half }, (_, k) =>
            Math.round(16384 * f((Math.floor(k / half) * ((k % half) + 1)) / 3)),
          ),
        );
      return {
        op,
        inputs: [i8s(r, T * H * Dh, edge), tab(Math.cos), tab(Math.sin)],
        params: [T, H, Dh, r.int(0, P - T), P],
      };
    }
    case "attention": {
      const H = dim(r, edge, 2),
        Tq = dim(r, edge, 3),
        Dh = r.next() < 0.5 ? dim(r, edge, 20) : r.int(16, 40),
        Tmax = Tq + r.int(0, 5);
      const pos0 = r.int(0, Tmax - Tq);
      const inputs = [
        i8s(r, H * Tq * Dh, edge),
        i8s(r, H * Tmax * Dh, edge),
        i8s(r, H * Tmax * Dh, edge),
        expTable(0.02 + r.next() * 0.1),
      ];
      return {
        op,
        inputs,
        params: [H, Tq, Dh, Tmax, pos0, mult(r, edge), shift(r, edge, 38, 44), mult(r, edge), shift(r, edge, 36, 40)],
      };
    }
    case "attnCache": {
      // G = H or grouped (H/G queries per head group); S a power of two ≥ 32, or exactly G·Dh on edge
      // nodes; pos at either end of the cache half the time. Padding and the rows after pos are random.
      const G = dim(r, edge, 3),
        H = G * r.pick([1, 1, 2, 3]),
        Dh = r.next() < 0.3 ? r.pick([16, 32]) : r.next() < 0.5 ? dim(r, edge, 20) : r.int(16, 40),
        Tmax = dim(r, edge, 9);
      const S = edge && r.next() < 0.3 ? G * Dh : Math.max(32, 2 ** Math.ceil(Math.log2(G * Dh))) * r.pick([1, 1, 2]);
      const pos = r.next() < 0.5 ? r.pick([0, Tmax - 1]) : r.int(0, Tmax - 1);
      const inputs = [
        i8s(r, H * Dh, edge),
        i8s(r, Tmax * S, edge),
        i8s(r, Tmax * S, edge),
        expTable(0.02 + r.next() * 0.1),
      ];
      const quant = [mult(r, edge), shift(r, edge, 38, 44), mult(r, edge), shift(r, edge, 36, 40)];
      return { op, inputs, params: [H, Dh, G, Tmax, S, pos, ...quant] };
    }
    case "argmax": {
      const R = dim(r, edge, 4),
        L = dim(r, edge, 40);
      return { op, inputs: [i8s(r, R * L, edge)], params: [R, L] };
    }
    case "requant": {
      const R = dim(r, edge, 4),
        C = dim(r, edge, 8);
      const x = edge ? i32s(r, R * C, -0x80000000, 0x7fffffff) : i32s(r, R * C, -100000, 100000);
      return { op, inputs: [x, multArr(r, C, edge), shiftArr(r, C, edge, 38, 42)], params: [R, C] };
    }
    case "transpose": {
      const R = dim(r, edge, 6),
        C = dim(r, edge, 6),
        E = r.pick([1, 2, 4]);
      return { op, inputs: [i8s(r, R * C * E, false)], params: [R, C, E] };
    }
    case "concat": {
      const O = dim(r, edge, 4),
        A = r.int(0, 9),
        B = r.int(A === 0 ? 1 : 0, 9);
      return { op, inputs: [i8s(r, O * A, false), i8s(r, O * B, false)], params: [O, A, B] };
    }
    case "slice": {
      const O = dim(r, edge, 4),
        I = dim(r, edge, 20),
        start = r.int(0, I - 1),
        len = r.int(1, I - start);
      return { op, inputs: [i8s(r, O * I, false)], params: [O, I, start, len] };
    }
    case "copy": {
      const n = dim(r, edge, 70);
      return { op, inputs: [i8s(r, n, false)], params: [n] };
    }
  }
}

/** The int16-activation ops and `strided` (docs/fixed-point.md §3.1, §3.2). */
function randomInt16Node(
  name: "requant16" | "cvt8to16" | "cvt16to8" | "matmul16" | "add16" | "mul16" | "relu16" | "lut16" | "strided",
  r: Rng,
  edge: boolean,
): NodeSpec {
  const op = Op[name];
  switch (name) {
    case "requant16": {
      const R = dim(r, edge, 4),
        C = dim(r, edge, 8);
      const x = edge ? i32s(r, R * C, -0x80000000, 0x7fffffff) : i32s(r, R * C, -1e6, 1e6);
      return { op, inputs: [x, multArr(r, C, edge), shiftArr(r, C, edge, 36, 42)], params: [R, C] };
    }
    case "cvt8to16": {
      const n = dim(r, edge, 100);
      // ×2^7 .. ×2^9 scale-ups: the top of the range saturates at ±32767/−32768.
      return { op, inputs: [i8s(r, n, edge)], params: [n, mult(r, edge), shift(r, edge, 21, 24)] };
    }
    case "cvt16to8": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i16s(r, n, edge)], params: [n, mult(r, edge), shift(r, edge, 37, 40)] };
    }
    case "matmul16": {
      const M = dim(r, edge, 4),
        N = dim(r, edge, 6),
        K = r.next() < 0.5 ? dim(r, edge, 20) : r.int(16, 70); // long rows reach the SIMD lanes
      const inputs = [
        i16s(r, M * K, edge),
        i8s(r, N * K, edge),
        i32s(r, N, -500000, 500000),
        multArr(r, N, edge),
        shiftArr(r, N, edge, 38, 44),
      ];
      return { op, inputs, params: [M, N, K] };
    }
    case "add16": {
      const n = dim(r, edge, 100);
      return {
        op,
        inputs: [i16s(r, n, edge), i16s(r, n, edge)],
        params: [n, mult(r, edge), mult(r, edge), shift(r, edge, 30, 32)],
      };
    }
    case "mul16": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i16s(r, n, edge), i16s(r, n, edge)], params: [n, mult(r, edge), shift(r, edge, 44, 48)] };
    }
    case "relu16": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i16s(r, n, edge)], params: [n] };
    }
    case "lut16": {
      const n = dim(r, edge, 100);
      return { op, inputs: [i16s(r, n, edge), i16s(r, 257, edge)], params: [n] };
    }
    case "strided": {
      // A permutation of a random [a][b][c][d] tensor, or a broadcast of it (stride 0 on some axes).
      type Quad = [number, number, number, number];
      const src: Quad = [dim(r, edge, 4), dim(r, edge, 4), dim(r, edge, 4), dim(r, edge, 5)];
      const E = r.pick([1, 2, 4]);
      const stride: Quad = [src[1] * src[2] * src[3], src[2] * src[3], src[3], 1];
      const perm = [0, 1, 2, 3]; // indices below are all in 0 … 3
      for (let k = 3; k > 0; k--) {
        const j = r.int(0, k);
        [perm[k], perm[j]] = [perm[j]!, perm[k]!];
      }
      const d = perm.map((k) => src[k]!);
      const st = perm.map((k) => stride[k]!);
      if (r.next() < 0.4)
        for (let k = 0; k < 4; k++)
          if (d[k] === 1 || r.next() < 0.3) {
            d[k] = r.int(1, 3);
            st[k] = 0;
          }
      const n = src[0] * src[1] * src[2] * src[3];
      return { op, inputs: [i8s(r, n * E, false)], params: [...d, ...st, E, n] };
    }
  }
}
