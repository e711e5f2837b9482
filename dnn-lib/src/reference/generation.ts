/**
 * LLM generation as a claim (docs/fixed-point.md §3.3): the generation state, `genInit` (op 29)
 * that checks a request and makes the first state, and `genSample` (op 30) that samples one token
 * from a row of int8 logits and writes it into the state. Integers only; the u64 steps use BigInt.
 */
import { GEN_EXP2_ENTRIES, GEN_HEADER_WORDS, Op, outputByteLength } from "../ops.ts";
import { expectLength } from "./expect.ts";

/** The header words of a generation state; the C token words follow from word 8. */
export const GenWord = {
  promptLen: 0,
  maxNew: 1,
  seed: 2,
  invTemp: 3,
  topK: 4,
  generated: 5,
  stop: 6,
  reserved: 7,
} as const;

/** Word 6 of a generation state. */
export const GenStop = { running: 0, endToken: 1, length: 2, invalid: 3 } as const;

export interface GenInitParams {
  C: number;
  Gmax: number;
  V: number;
}
export interface GenSampleParams {
  C: number;
  V: number;
  pos: number;
  eos: number;
}

const M64 = (1n << 64n) - 1n;
let exp2Cache: Int32Array | null = null;

/** genSample's weight table: entry f = round(65536 · 2^(−f/256)), f = 0 … 255 (a fresh copy). */
export function exp2Table(): Int32Array {
  exp2Cache ??= Int32Array.from({ length: GEN_EXP2_ENTRIES }, (_, f) => Math.round(65536 * 2 ** (-f / 256)));
  return exp2Cache.slice();
}

/** MurmurHash3's 32-bit finalizer, on and to u32. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The u32 drawn for the token after position `pos`: fmix32((fmix32(seed) + pos·0x9E3779B9) mod 2^32). */
export function draw(seed: number, pos: number): number {
  return fmix32((fmix32(seed >>> 0) + Math.imul(pos, 0x9e3779b9)) >>> 0);
}

/** Whether a request is one genInit accepts (every word read as int32). */
function validRequest(request: Int32Array, p: GenInitParams): boolean {
  const w = (k: number) => request[k]!; // the length was checked: 8 + C words
  const promptLen = w(GenWord.promptLen),
    maxNew = w(GenWord.maxNew);
  if (promptLen < 1 || maxNew < 1 || maxNew > p.Gmax || promptLen + maxNew > p.C) return false;
  if (w(GenWord.invTemp) < 0 || w(GenWord.topK) < 0 || w(GenWord.topK) > p.V) return false;
  for (let i = 0; i < promptLen; i++) {
    const t = w(GEN_HEADER_WORDS + i);
    if (t < 0 || t >= p.V) return false;
  }
  return true;
}

/**
 * Op 29: the first generation state of a request. Words 0–4 are copied; generated = 0; stop = 0
 * for a valid request, else 3 (invalid); reserved = 0; the prompt tokens when valid, zeros after.
 */
export function genInit(request: Int32Array, p: GenInitParams): Int32Array {
  outputByteLength(Op.genInit, [p.C, p.Gmax, p.V]);
  expectLength("genInit", "request", request, GEN_HEADER_WORDS + p.C);
  const out = new Int32Array(GEN_HEADER_WORDS + p.C);
  out.set(request.subarray(0, GenWord.generated));
  if (!validRequest(request, p)) out[GenWord.stop] = GenStop.invalid;
  else out.set(request.subarray(GEN_HEADER_WORDS, GEN_HEADER_WORDS + request[GenWord.promptLen]!), GEN_HEADER_WORDS);
  return out;
}

/**
 * The weight of a candidate `d` int8 units below the maximum at inverse temperature `invTemp`
 * (Q16): e = d·invTemp, ip = e >> 16, f = (e >> 8) & 0xff; exp2[f] (as u32) >> ip, and 0 when ip
 * is outside [0, 32) (ip < 0 only for a negative invTemp, which genInit refuses).
 */
function weight(exp2: Int32Array, d: number, invTemp: number): bigint {
  const e = BigInt(d) * BigInt(invTemp);
  const ip = e >> 16n;
  if (ip < 0n || ip >= 32n) return 0n;
  return BigInt(exp2[Number((e >> 8n) & 0xffn)]! >>> 0) >> ip;
}

/** The θ of top-K: the largest int8 value with count(l ≥ θ) ≥ K (K ≤ V), by a 256-bin histogram. */
function topKThreshold(logits: Int8Array, K: number): { theta: number; above: number } {
  const hist = new Array<number>(256).fill(0);
  for (const l of logits) hist[l + 128]!++;
  let theta = 127,
    atLeast = hist[255]!;
  while (atLeast < K) atLeast += hist[--theta + 128]!;
  return { theta, above: atLeast - hist[theta + 128]! };
}

/**
 * The token sampled from `logits` with draw `u` (the steps of genSample, docs/fixed-point.md §3.3):
 * greedy when topK = 1; else the top-K candidates (ties at θ in index order) weighted by exp2,
 * target = ⌊u·S / 2^32⌋ (in u64, wrapping only when S ≥ 2^48), the first index whose running
 * weight sum exceeds target; the first maximum when none does (S = 0 needs an exp2[0] of 0).
 */
export function sampleToken(logits: Int8Array, exp2: Int32Array, invTemp: number, topK: number, u: number): number {
  const V = logits.length;
  let mx = logits[0]!,
    first = 0;
  logits.forEach((l, i) => {
    if (l > mx) [mx, first] = [l, i];
  });
  if (topK === 1) return first;
  const K = topK <= 0 || topK >= V ? V : topK;
  const { theta, above } = topKThreshold(logits, K);
  let ties = K - above;
  const w = Array.from(logits, (l) => {
    if (l < theta || (l === theta && ties-- <= 0)) return 0n;
    return weight(exp2, mx - l, invTemp);
  });
  const S = w.reduce((a, b) => a + b, 0n); // < V·2^32 < 2^63: exact in u64
  const U = BigInt(u >>> 0);
  const A = (U * (S >> 16n)) & M64,
    B = (U * (S & 0xffffn)) & M64;
  const target = ((A + (B >> 16n)) & M64) >> 16n;
  let cum = 0n;
  for (let i = 0; i < V; i++) {
    cum += w[i]!;
    if (target < cum) return i;
  }
  return first;
}

/**
 * Op 30: one generation step at position `pos`. Unchanged when stopped or while `pos + 1` is still
 * inside the prompt; else the sampled token goes to position pos + 1, generated += 1 (wrapping
 * int32), and stop becomes 1 on the end token `eos` (≥ 0), else 2 when generated = maxNew.
 */
export function genSample(state: Int32Array, logits: Int8Array, exp2: Int32Array, p: GenSampleParams): Int32Array {
  outputByteLength(Op.genSample, [p.C, p.V, p.pos, p.eos]);
  expectLength("genSample", "state", state, GEN_HEADER_WORDS + p.C);
  expectLength("genSample", "logits", logits, p.V);
  expectLength("genSample", "exp2", exp2, GEN_EXP2_ENTRIES);
  const out = state.slice();
  const w = (k: number) => out[k]!; // the length was checked: 8 + C words
  if (w(GenWord.stop) !== GenStop.running || p.pos + 1 < w(GenWord.promptLen)) return out;
  const u = draw(w(GenWord.seed), p.pos);
  const tok = sampleToken(logits, exp2, w(GenWord.invTemp), w(GenWord.topK), u);
  out[GEN_HEADER_WORDS + p.pos + 1] = tok;
  const generated = (w(GenWord.generated) + 1) | 0;
  out[GenWord.generated] = generated;
  if (p.eos >= 0 && tok === p.eos) out[GenWord.stop] = GenStop.endToken;
  else if (generated === w(GenWord.maxNew)) out[GenWord.stop] = GenStop.length;
  return out;
}
