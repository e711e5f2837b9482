/**
 * Seeded random genInit and genSample nodes (docs/fixed-point.md §3.3) for the differential
 * tests: valid requests and every kind of invalid one; states at prompt positions, running,
 * already stopped and at their last new token; logits with ties; greedy, top-k, every token;
 * inverse temperatures from 0 to past the underflow of every weight but the maximum's. The `edge`
 * flavour adds states genInit never makes (negative invTemp or topK, generated at 2^31 − 1) and
 * exp2 tables other than the true one (zeros, random int32).
 */
import { Op } from "./ops.ts";
import type { NodeSpec } from "./nodeInput.ts";
import type { Rng } from "../../common/rng.ts";
import { GEN_HEADER_WORDS } from "./ops.ts";
import { exp2Table, GenStop, GenWord } from "./reference/generation.ts";

const INT_MIN = -0x80000000,
  INT_MAX = 0x7fffffff;

/** The little-endian bytes of int32 words. */
export const wordBytes = (a: Int32Array | Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function invTemp(r: Rng): number {
  return r.pick([0, r.int(1, 65536), 65536 * r.int(1, 40), r.int(1 << 20, 1 << 24), INT_MAX]);
}

/** Breaks one of genInit's conditions (each kind in turn is as likely). */
function breakRequest(req: Int32Array, r: Rng, C: number, Gmax: number, V: number): void {
  const promptLen = req[GenWord.promptLen]!;
  switch (r.int(0, 6)) {
    case 0:
      req[GenWord.promptLen] = r.pick([0, -1, INT_MIN]);
      break;
    case 1:
      req[GenWord.maxNew] = r.pick([0, -1, Gmax + 1, INT_MAX]);
      break;
    case 2: // the sum past C, once past the int32 range
      req[GenWord.promptLen] = r.chance(0.5) ? INT_MAX : C - req[GenWord.maxNew]! + 1;
      break;
    case 3:
      req[GenWord.invTemp] = r.pick([-1, INT_MIN]);
      break;
    case 4:
      req[GenWord.topK] = r.pick([V + 1, INT_MAX, -1]);
      break;
    default:
      req[GEN_HEADER_WORDS + r.int(0, promptLen - 1)] = r.pick([V, -1, INT_MAX, INT_MIN]);
  }
}

function randomGenInit(r: Rng, edge: boolean): NodeSpec {
  const C = r.int(2, edge ? 6 : 40),
    Gmax = r.int(1, C - 1),
    V = edge && r.chance(0.3) ? 1 : r.int(1, 300);
  const maxNew = r.int(1, Gmax),
    promptLen = r.int(1, C - maxNew);
  // Words 5–7 and the tokens after the prompt hold garbage genInit must not copy.
  const req = Int32Array.from({ length: GEN_HEADER_WORDS + C }, () => r.u32() | 0);
  req[GenWord.promptLen] = promptLen;
  req[GenWord.maxNew] = maxNew;
  req[GenWord.invTemp] = invTemp(r);
  req[GenWord.topK] = r.int(0, V);
  for (let i = 0; i < promptLen; i++) req[GEN_HEADER_WORDS + i] = r.int(0, V - 1);
  if (r.chance(edge ? 0.7 : 0.3)) breakRequest(req, r, C, Gmax, V);
  return { op: Op.genInit, inputs: [wordBytes(req)], params: [C, Gmax, V] };
}

/** int8 logits: from a few distinct values (ties) or from the whole range. */
function logitsOf(r: Rng, V: number, edge: boolean): Int8Array {
  const values = Array.from({ length: r.int(1, 6) }, () => (edge ? r.pick([-128, 127, 0]) : r.int(-128, 127)));
  const tied = r.chance(0.5);
  return Int8Array.from({ length: V }, () => (tied ? r.pick(values) : r.int(-128, 127)));
}

function exp2Of(r: Rng, edge: boolean): Int32Array {
  if (!edge || r.chance(0.6)) return exp2Table();
  return r.chance(0.5) ? new Int32Array(256) : Int32Array.from({ length: 256 }, () => r.u32() | 0);
}

function randomGenSample(r: Rng, edge: boolean): NodeSpec {
  const C = r.int(2, 40),
    V = edge && r.chance(0.2) ? 1 : r.chance(0.5) ? r.int(1, 16) : r.int(1, 300),
    pos = r.int(0, C - 2);
  const logits = logitsOf(r, V, edge);
  const first = logits.indexOf(Math.max(...logits));
  const eos = r.pick([-1, r.int(0, V - 1), first]);
  // A prompt that ends at or before pos + 1 (a sampling step), or after it (a prompt position).
  const promptLen = r.chance(0.15) ? r.int(pos + 2, C) : r.int(1, pos + 1);
  const generated = Math.max(0, pos + 1 - promptLen);
  const state = new Int32Array(GEN_HEADER_WORDS + C);
  state[GenWord.promptLen] = promptLen;
  state[GenWord.maxNew] = r.chance(0.3) ? generated + 1 : r.int(generated + 1, Math.max(generated + 1, C - promptLen));
  state[GenWord.seed] = r.u32() | 0;
  state[GenWord.invTemp] = invTemp(r);
  const k = r.int(2, Math.max(2, V - 1)); // top-k proper: ties at θ are cut most often here
  state[GenWord.topK] = r.pick([0, 1, k, k, k, V, V + r.int(1, 5)]);
  state[GenWord.generated] = generated;
  if (r.chance(0.1)) state[GenWord.stop] = r.pick([GenStop.endToken, GenStop.length, GenStop.invalid]);
  for (let i = 0; i <= pos; i++) state[GEN_HEADER_WORDS + i] = r.int(0, V - 1);
  if (edge) {
    if (r.chance(0.3)) state[GenWord.invTemp] = r.pick([-1, -65536 * 3, INT_MIN]);
    if (r.chance(0.3)) state[GenWord.topK] = r.pick([-1, INT_MIN]);
    if (r.chance(0.2)) state[GenWord.generated] = INT_MAX;
  }
  return {
    op: Op.genSample,
    inputs: [wordBytes(state), wordBytes(logits), wordBytes(exp2Of(r, edge))],
    params: [C, V, pos, eos],
  };
}

export function randomGenNode(name: "genInit" | "genSample", r: Rng, edge: boolean): NodeSpec {
  return name === "genInit" ? randomGenInit(r, edge) : randomGenSample(r, edge);
}
