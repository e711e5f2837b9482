/**
 * Token generation with a decoder graph ids[T] (int64) → logits[T][V]: the
 * context is padded with id 0 to T and the logits of row len − 1 pick the next
 * token (the causal mask makes padding invisible to earlier rows). Greedy
 * takes the first maximum; sampling draws from softmax(logits / temperature)
 * with a seeded PRNG. Both are deterministic: the quantized path samples with
 * integers only (an exp table over the int8 logits, an integer draw), the
 * float path with the same PRNG over onnxruntime's logits.
 */
import { OnnxRunError } from "./errors.ts";
import type { OrtModel } from "./ort.ts";
import type { QGraphIO, QuantGraph } from "./QuantGraph.ts";
import { runQuantGraph } from "./runQuant.ts";
import { expTable } from "./quantMath.ts";
import { Rng } from "../../../common/rng.ts";

export type Decoding = { kind: "greedy" } | { kind: "sample"; seed: number; temperature: number };

function padded(tokens: number[], T: number): BigInt64Array {
  if (tokens.length === 0 || tokens.length > T)
    throw new OnnxRunError("context length outside [1, T]", { details: `${tokens.length} tokens, T = ${T}` });
  const ids = new BigInt64Array(T);
  tokens.forEach((t, i) => (ids[i] = BigInt(t)));
  return ids;
}

function checkSteps(prompt: number[], steps: number, T: number): void {
  if (prompt.length + steps > T)
    throw new OnnxRunError("generation runs past the context", {
      details: `prompt ${prompt.length} + steps ${steps} > T = ${T}`,
    });
}

function argmax(row: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[b]!) b = i;
  return b;
}

/**
 * Integer sampling: w_i = exp[max − l_i] (an exp table for scale / temperature: 256 entries, one
 * per difference of two int8 values), draw ⌊u·Σw / 2^32⌋.
 */
export function sampleInt8(logits: Int8Array, exp: Int32Array, rng: Rng): number {
  let mx = -128;
  for (const v of logits) mx = Math.max(mx, v);
  const w = Array.from(logits, (v) => exp[mx - v]!);
  const S = w.reduce((a, b) => a + b, 0);
  // u < 2^32 and S < 2^21 here, so u·S is an exact integer in a double and the shift is exact.
  const target = Math.floor((rng.u32() * S) / 2 ** 32);
  let acc = 0;
  for (const [i, wi] of w.entries()) {
    acc += wi;
    if (target < acc) return i;
  }
  return w.length - 1;
}

export function sampleFloat(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  let mx = -Infinity;
  for (let i = 0; i < logits.length; i++) mx = Math.max(mx, logits[i]!);
  const w = Array.from({ length: logits.length }, (_, i) => Math.exp((logits[i]! - mx) / temperature));
  const target = rng.next() * w.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (const [i, wi] of w.entries()) {
    acc += wi;
    if (target < acc) return i;
  }
  return w.length - 1;
}

/** Generates `steps` tokens after `prompt` with the quantized graph run by the TS reference. */
export function generateQuant(g: QuantGraph, prompt: number[], steps: number, dec: Decoding): number[] {
  const [inp] = g.inputs;
  const [out] = g.outputs;
  const T = inp?.dims[0];
  const V = out?.dims[out.dims.length - 1];
  if (!inp || !out || T === undefined || V === undefined) {
    const shapes = (io: QGraphIO[]) => io.map((t) => `${t.name} [${t.dims}]`).join(", ");
    throw new OnnxRunError("generation needs a graph ids[T] → logits[T][V]", {
      details: `inputs: ${shapes(g.inputs)}; outputs: ${shapes(g.outputs)}`,
    });
  }
  checkSteps(prompt, steps, T);
  const rng = dec.kind === "sample" ? new Rng(dec.seed) : undefined;
  const exp = dec.kind === "sample" ? expTable(out.scale / dec.temperature) : undefined;
  const tokens = [...prompt];
  for (let s = 0; s < steps; s++) {
    const ids = Int32Array.from(padded(tokens, T), Number);
    const vals = runQuantGraph(g, new Map([[inp.id, new Uint8Array(ids.buffer)]]));
    const b = vals.get(out.id)!;
    const row = new Int8Array(b.buffer, b.byteOffset + (tokens.length - 1) * V, V);
    tokens.push(rng ? sampleInt8(row, exp!, rng) : argmax(row));
  }
  return tokens.slice(prompt.length);
}

/** The same with onnxruntime float. */
export async function generateFloat(
  ort: OrtModel,
  T: number,
  prompt: number[],
  steps: number,
  dec: Decoding,
  names = { input: "ids", output: "logits" },
): Promise<number[]> {
  checkSteps(prompt, steps, T);
  const rng = dec.kind === "sample" ? new Rng(dec.seed) : undefined;
  const tokens = [...prompt];
  for (let s = 0; s < steps; s++) {
    const res = await ort.run({ [names.input]: { dims: [T], data: padded(tokens, T) } }, [names.output]);
    const logits = res[names.output];
    if (!logits) throw new OnnxRunError(`onnxruntime returned no output ${names.output}`);
    const all = logits.data as Float32Array;
    const V = all.length / T;
    const row = all.subarray((tokens.length - 1) * V, tokens.length * V);
    tokens.push(rng && dec.kind === "sample" ? sampleFloat(row, dec.temperature, rng) : argmax(row));
  }
  return tokens.slice(prompt.length);
}
