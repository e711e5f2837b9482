/**
 * A byte-level language model's quality, float against quantized: per-byte perplexity on
 * held-out windows (position t's logits predict byte t + 1), and greedy continuations of prompts
 * compared token by token. The model is the full-sequence export: ids [1, T] → logits [1, T, V];
 * causal attention makes the ids after the context invisible, so a context shorter than T is
 * padded with 0 and read at its last position.
 */
import type { Feeds } from "../src/onnx/ort.ts";
import type { FloatModel, QuantizedModel } from "./agreement.ts";

/** Negative log-likelihood (nats) of `target` under softmax(row). */
function nll(row: Float32Array, target: number): number {
  let mx = -Infinity;
  for (const v of row) mx = Math.max(mx, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - mx);
  return Math.log(sum) + mx - row[target]!; // target < row.length: a byte, V = 256
}

export interface Perplexity {
  float: number;
  quant: number;
  /** Bytes predicted. */
  bytes: number;
}

/** Per-byte perplexity, exp(mean NLL), of both models on `windows` (each `input_ids` [1, T]). */
export async function perplexity(
  float: FloatModel,
  quant: QuantizedModel,
  windows: readonly Feeds[],
): Promise<Perplexity> {
  const V = quant.output.row;
  let [f, q, n] = [0, 0, 0];
  for (const w of windows) {
    const ids = w["input_ids"]!.data; // textWindows' feeds
    const [lf, lq] = [await float.logits(w), quant.logits(w)];
    for (let t = 0; t + 1 < ids.length; t++) {
      const target = Number(ids[t + 1]);
      f += nll(lf.subarray(t * V, (t + 1) * V), target);
      q += nll(lq.subarray(t * V, (t + 1) * V), target);
      n++;
    }
  }
  return { float: Math.exp(f / n), quant: Math.exp(q / n), bytes: n };
}

function argmax(row: Float32Array): number {
  let b = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[b]!) b = i;
  return b;
}

/** `steps` greedy tokens after `prompt`, one full-sequence run per token. */
async function greedy(
  logits: (f: Feeds) => Promise<Float32Array> | Float32Array,
  prompt: readonly number[],
  steps: number,
  T: number,
  V: number,
): Promise<number[]> {
  if (prompt.length < 1 || prompt.length + steps > T)
    throw new RangeError(`prompt ${prompt.length} + ${steps} steps must fit the context of ${T}`);
  const ids = new BigInt64Array(T);
  prompt.forEach((t, i) => (ids[i] = BigInt(t)));
  const out: number[] = [];
  for (let c = prompt.length; c < prompt.length + steps; c++) {
    const row = (await logits({ input_ids: { dims: [1, T], data: ids } })).subarray((c - 1) * V, c * V);
    const next = argmax(row);
    ids[c] = BigInt(next);
    out.push(next);
  }
  return out;
}

export interface GreedyMatch {
  /** Generated tokens equal at the same position (quantized vs float), of `total`. */
  same: number;
  total: number;
  /** The continuations, float and quantized, as text (one per prompt). */
  samples: { prompt: string; float: string; quant: string }[];
}

/** Greedy continuations of each prompt by both models, compared position by position. */
export async function greedyMatch(
  float: FloatModel,
  quant: QuantizedModel,
  prompts: readonly Uint8Array[],
  steps: number,
  T: number,
): Promise<GreedyMatch> {
  const V = quant.output.row;
  const text = (b: number[] | Uint8Array) => new TextDecoder().decode(Uint8Array.from(b));
  let [same, total] = [0, 0];
  const samples: GreedyMatch["samples"] = [];
  for (const p of prompts) {
    const f = await greedy((x) => float.logits(x), [...p], steps, T, V);
    const q = await greedy((x) => quant.logits(x), [...p], steps, T, V);
    f.forEach((t, i) => {
      total++;
      if (t === q[i]) same++;
    });
    samples.push({ prompt: text(p), float: text(f), quant: text(q) });
  }
  return { same, total, samples };
}
