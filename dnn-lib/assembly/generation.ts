// LLM generation as a claim (docs/fixed-point.md §3.3): genInit (op 29) checks a request and makes
// the first generation state; genSample (op 30) samples one token into it. Integers only, no memory
// besides the operands and the output: top-K's threshold is found by a binary search of counts.
import { copyBytes } from "./layout";

/** Byte offsets of the state's header words; the token words start at TOKENS. */
const PROMPT_LEN: usize = 0,
  MAX_NEW: usize = 4,
  SEED: usize = 8,
  INV_TEMP: usize = 12,
  TOP_K: usize = 16,
  GENERATED: usize = 20,
  STOP: usize = 24,
  RESERVED: usize = 28,
  TOKENS: usize = 32;

export function genInit(req: usize, out: usize, C: i32, Gmax: i32, V: i32): void {
  const promptLen = load<i32>(req + PROMPT_LEN),
    maxNew = load<i32>(req + MAX_NEW),
    topK = load<i32>(req + TOP_K);
  let valid = promptLen >= 1 && maxNew >= 1 && maxNew <= Gmax && <i64>promptLen + <i64>maxNew <= <i64>C;
  valid = valid && load<i32>(req + INV_TEMP) >= 0 && topK >= 0 && topK <= V;
  if (valid)
    for (let i: i32 = 0; i < promptLen; i++) {
      const t = load<i32>(req + TOKENS + (<usize>i << 2));
      if (t < 0 || t >= V) {
        valid = false;
        break;
      }
    }
  for (let w: usize = 0; w < GENERATED; w += 4) store<i32>(out + w, load<i32>(req + w));
  store<i32>(out + GENERATED, 0);
  store<i32>(out + STOP, valid ? 0 : 3);
  store<i32>(out + RESERVED, 0);
  const n = valid ? promptLen : 0;
  for (let i: i32 = 0; i < C; i++) {
    const at = TOKENS + (<usize>i << 2);
    store<i32>(out + at, i < n ? load<i32>(req + at) : 0);
  }
}

function fmix32(x: u32): u32 {
  x ^= x >> 16;
  x *= 0x85ebca6b;
  x ^= x >> 13;
  x *= 0xc2b2ae35;
  x ^= x >> 16;
  return x;
}

/** count(l ≥ t) over the V logits. */
function countAtLeast(logits: usize, V: i32, t: i32): i32 {
  let n: i32 = 0;
  for (let i: i32 = 0; i < V; i++) n += i32(<i32>load<i8>(logits + <usize>i) >= t);
  return n;
}

/** exp2[f] (as u32) >> ip for e = d·invTemp, ip = e >> 16, f = (e >> 8) & 0xff; 0 when ip ∉ [0, 32). */
function weight(exp2: usize, d: i32, invTemp: i32): u64 {
  const e = <i64>d * <i64>invTemp;
  const ip = e >> 16;
  if (<u64>ip >= 32) return 0;
  return <u64>(load<u32>(exp2 + (<usize>((e >> 8) & 0xff) << 2)) >> <u32>ip);
}

function sampleToken(logits: usize, exp2: usize, V: i32, invTemp: i32, topK: i32, u: u32): i32 {
  let mx: i32 = load<i8>(logits),
    mn = mx,
    first: i32 = 0;
  for (let i: i32 = 1; i < V; i++) {
    const l: i32 = load<i8>(logits + <usize>i);
    if (l > mx) {
      mx = l;
      first = i;
    }
    if (l < mn) mn = l;
  }
  if (topK == 1) return first;
  const K = topK <= 0 || topK >= V ? V : topK;
  // θ = the largest t with count(l ≥ t) ≥ K: mn when K = V, else in [mn, mx].
  let lo = mn,
    hi = K == V ? mn : mx;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (countAtLeast(logits, V, mid) >= K) lo = mid;
    else hi = mid - 1;
  }
  const ties = K - countAtLeast(logits, V, lo + 1);
  let S: u64 = 0;
  let left = ties;
  for (let i: i32 = 0; i < V; i++) {
    const l: i32 = load<i8>(logits + <usize>i);
    if (l > lo || (l == lo && left-- > 0)) S += weight(exp2, mx - l, invTemp);
  }
  const A = <u64>u * (S >> 16),
    B = <u64>u * (S & 0xffff);
  const target = (A + (B >> 16)) >> 16;
  let cum: u64 = 0;
  left = ties;
  for (let i: i32 = 0; i < V; i++) {
    const l: i32 = load<i8>(logits + <usize>i);
    if (l > lo || (l == lo && left-- > 0)) {
      cum += weight(exp2, mx - l, invTemp);
      if (target < cum) return i;
    }
  }
  return first;
}

export function genSample(state: usize, logits: usize, exp2: usize, out: usize, C: i32, V: i32, pos: i32, eos: i32): void {
  copyBytes(out, state, (8 + C) << 2);
  if (load<i32>(out + STOP) != 0 || pos + 1 < load<i32>(out + PROMPT_LEN)) return;
  const seed = load<u32>(out + SEED);
  const u = fmix32(fmix32(seed) + <u32>pos * 0x9e3779b9);
  const tok = sampleToken(logits, exp2, V, load<i32>(out + INV_TEMP), load<i32>(out + TOP_K), u);
  store<i32>(out + TOKENS + (<usize>(pos + 1) << 2), tok);
  const generated = load<i32>(out + GENERATED) + 1;
  store<i32>(out + GENERATED, generated);
  if (eos >= 0 && tok == eos) store<i32>(out + STOP, 1);
  else if (generated == load<i32>(out + MAX_NEW)) store<i32>(out + STOP, 2);
}
