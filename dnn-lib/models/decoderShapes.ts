/**
 * Full-context decoders of real LLM shapes with seeded random int8 weights, built directly as
 * dnn-lib graphs (no ONNX, no calibration): what the scale bench unrolls into generation models
 * and measures. LLaMA layout: token embedding, per layer RMSNorm, Q/K/V projections with
 * rotate-half RoPE, grouped-query causal attention, the output projection and a residual, RMSNorm,
 * a SwiGLU feed-forward (gate, up, SiLU table, product, down) and a residual; a final RMSNorm and
 * an untied head. The requantization parameters are plausible, not calibrated: the numbers are
 * about speed and size, not text.
 */
import { Rng } from "../../common/rng.ts";
import { Op } from "../src/ops.ts";
import { SlotKind, type OperandSlot } from "../src/nodeInput.ts";
import type { GraphNode, Model } from "../src/model/Model.ts";
import { expTable, lutTable, rotaryTables } from "../src/tables.ts";

export interface DecoderShape {
  name: string;
  /** Hidden size, layers, query heads, key/value heads, feed-forward size, vocabulary. */
  d: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  vocab: number;
  /** The decoder's context (positions its tables cover). */
  T: number;
}

export const DECODER_SHAPES: Record<string, DecoderShape> = {
  gpt2small: { name: "gpt2small", d: 768, layers: 12, heads: 12, kvHeads: 12, ffn: 3072, vocab: 50257, T: 1024 },
  tinyllama: { name: "tinyllama", d: 2048, layers: 22, heads: 32, kvHeads: 4, ffn: 5632, vocab: 32000, T: 2048 },
  llama7b: { name: "llama7b", d: 4096, layers: 32, heads: 32, kvHeads: 32, ffn: 11008, vocab: 32000, T: 4096 },
  llama13b: { name: "llama13b", d: 5120, layers: 40, heads: 40, kvHeads: 40, ffn: 13824, vocab: 32000, T: 4096 },
};

/** int8 weight bytes of a shape (embedding, layers, head). */
export function weightBytes(s: DecoderShape): number {
  const Dh = s.d / s.heads;
  const layer = s.d * s.d * 2 + 2 * s.d * s.kvHeads * Dh + 3 * s.d * s.ffn;
  return 2 * s.vocab * s.d + s.layers * layer;
}

const i32 = (n: number, v: number) => new Uint8Array(Int32Array.from({ length: n }, () => v).buffer);

/**
 * The decoder `ids[T] → logits[T][V]` of `shape`, at context `T` (default the shape's). `zero`
 * gives zero weights of the right sizes without drawing them (for counting nodes and step bounds).
 */
export function decoderModel(shape: DecoderShape, opts: { T?: number; seed?: number; zero?: boolean } = {}): Model {
  const T = opts.T ?? shape.T;
  const { d, layers, heads: H, kvHeads: G, ffn, vocab: V } = shape;
  const Dh = d / H;
  const rng = new Rng(opts.seed ?? 0x5ca1e);
  const randomBytes = (n: number) => (opts.zero ? new Uint8Array(n) : rng.fillBytes(new Uint8Array(n)));
  const weights: Uint8Array[] = [];
  const nodes: GraphNode[] = [];
  const W = (bytes: Uint8Array): OperandSlot => {
    weights.push(bytes);
    return { kind: SlotKind.weight, slot: weights.length - 1 };
  };
  const emit = (op: number, inputs: OperandSlot[], params: number[]): OperandSlot => {
    nodes.push({ op, inputs, params });
    return { kind: SlotKind.activation, slot: nodes.length };
  };
  // Shift so that a K-term int8 dot product lands in int8: acc·2^30 / 2^s ≈ acc / (64·√K).
  const shiftFor = (K: number) => 30 + Math.ceil(Math.log2(64 * Math.sqrt(K)));
  const linear = (x: OperandSlot, K: number, N: number) =>
    emit(Op.matmul, [x, W(randomBytes(N * K)), W(i32(N, 0)), W(i32(N, 1 << 30)), W(i32(N, shiftFor(K)))], [T, N, K]);
  const rms = (x: OperandSlot) => emit(Op.norm, [x, W(randomBytes(d)), W(i32(d, 0))], [T, d, 1, 8, 1103925925, 44]);
  const { cos, sin } = rotaryTables(T, Dh);
  const cosW = W(new Uint8Array(cos.buffer));
  const sinW = W(new Uint8Array(sin.buffer));
  const exp = W(new Uint8Array(expTable(1 / 16).buffer));
  const silu = W(new Uint8Array(lutTable((r) => r / (1 + Math.exp(-r)), 1 / 16, 1 / 16).buffer));

  let x = emit(Op.gather, [W(randomBytes(V * d)), { kind: SlotKind.activation, slot: 0 }], [V, d, T]);
  for (let l = 0; l < layers; l++) {
    const h = rms(x);
    const q = emit(Op.rotary, [linear(h, d, d), cosW, sinW], [T, H, Dh, 0, T]);
    const k = emit(Op.rotary, [linear(h, d, G * Dh), cosW, sinW], [T, G, Dh, 0, T]);
    const v = linear(h, d, G * Dh);
    // [T][H][Dh] → [H][T][Dh]; keys and values also repeat each of their G heads H/G times.
    const heads = (t: OperandSlot) => emit(Op.strided, [t], [1, H, T, Dh, 0, Dh, H * Dh, 1, 1, T * H * Dh]);
    const groups = (t: OperandSlot) => emit(Op.strided, [t], [G, H / G, T, Dh, Dh, 0, G * Dh, 1, 1, T * G * Dh]);
    const a = emit(
      Op.attention,
      [heads(q), groups(k), groups(v), exp],
      [H, T, Dh, T, 0, 1176832147, 39, 1098374366, 37],
    );
    const joined = emit(Op.strided, [a], [1, T, H, Dh, 0, Dh, T * Dh, 1, 1, T * H * Dh]);
    x = emit(Op.add, [x, linear(joined, d, d)], [T * d, 1095843595, 1827423363, 31]);
    const f = rms(x);
    const gate = emit(Op.lut, [linear(f, d, ffn), silu], [T * ffn]);
    const up = linear(f, d, ffn);
    const prod = emit(Op.mul, [gate, up], [T * ffn, 1100690631, 37]);
    x = emit(Op.add, [x, linear(prod, ffn, d)], [T * d, 1095843595, 1827423363, 31]);
  }
  linear(rms(x), d, V);
  return { name: shape.name, inputLength: 4 * T, inputScale: 1, outputScale: 1 / 16, nodes, weights };
}
