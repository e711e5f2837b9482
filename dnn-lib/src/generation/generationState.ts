/**
 * The generation state (docs/protocol.md §4.4): the request a dapp sends to a generation model and
 * the output a claim binds — int32 little-endian words, a header then the token context. The
 * model's first node (`genInit`) checks the request; each `genSample` node appends a token.
 */
import { GenerationRequestError } from "./errors.ts";
import { GEN_HEADER_WORDS, genStateBytes } from "../ops.ts";
import { GenStop, GenWord } from "../reference/generation.ts";

export { GenWord } from "../reference/generation.ts";
export { GEN_HEADER_WORDS } from "../ops.ts";

/** Why generation stopped (word `stop`); `running` while tokens are still to come. */
export const StopReason = GenStop;
export type StopReasonName = keyof typeof GenStop;

/** Byte length of the state of a generation model with context `C`. */
export const stateByteLength = genStateBytes;

/** A generation request's fields. */
export interface GenerationRequest {
  prompt: readonly number[];
  /** New tokens asked for (at most the model's maximum). */
  maxNew: number;
  /** Sampling seed (uint32); ignored by greedy decoding. */
  seed?: number;
  /** Inverse temperature in Q16 (see {@link invTempFor}); 0 = uniform over the top-k. */
  invTemp?: number;
  /** 1 = greedy (the default), 0 = every token, k = the k most likely. */
  topK?: number;
}

const isU32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isI32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;

/**
 * The request bytes for a model of context `C`, vocabulary `V` and at most `maxNew` new tokens.
 * Refuses what the model's `genInit` would mark invalid, naming the field; a limit left out (the
 * chain stores only `C`, through the input length) is left to the model to check.
 */
export function encodeGenerationRequest(
  req: GenerationRequest,
  given: { C: number; V?: number; maxNew?: number },
): Uint8Array {
  const limits = { V: 0x7fffffff, maxNew: given.C - 1, ...given };
  const { prompt, maxNew } = req;
  const seed = req.seed ?? 0;
  const invTemp = req.invTemp ?? 0;
  const topK = req.topK ?? 1;
  const bad = (what: string, details: string) => new GenerationRequestError(what, { details });
  if (prompt.length < 1) throw bad("the prompt is empty", "at least one token is needed");
  if (!Number.isInteger(maxNew) || maxNew < 1 || maxNew > limits.maxNew)
    throw bad("maxNew is outside the model's range", `maxNew = ${maxNew}, the model allows 1 … ${limits.maxNew}`);
  if (prompt.length + maxNew > limits.C)
    throw bad("the prompt and the new tokens do not fit the context", `${prompt.length} + ${maxNew} > ${limits.C}`);
  prompt.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= limits.V)
      throw bad(`prompt token ${i} is not in the vocabulary`, `token ${t}, vocabulary 0 … ${limits.V - 1}`);
  });
  if (!isU32(seed)) throw bad("seed is not a uint32", `seed = ${seed}`);
  if (!isI32(invTemp)) throw bad("invTemp is not an int32 ≥ 0", `invTemp = ${invTemp}`);
  if (!isI32(topK) || topK > limits.V) throw bad("topK is outside 0 … V", `topK = ${topK}, V = ${limits.V}`);
  const w = new Int32Array(GEN_HEADER_WORDS + limits.C);
  w[GenWord.promptLen] = prompt.length;
  w[GenWord.maxNew] = maxNew;
  w[GenWord.seed] = seed | 0;
  w[GenWord.invTemp] = invTemp;
  w[GenWord.topK] = topK;
  prompt.forEach((t, i) => (w[GEN_HEADER_WORDS + i] = t));
  return new Uint8Array(w.buffer);
}

/** What a generation state says. */
export interface GenerationResult {
  prompt: number[];
  /** The generated tokens, in order. */
  tokens: number[];
  stop: StopReasonName;
}

/** Reads a generation state (a claim's output). */
export function decodeGenerationState(bytes: Uint8Array): GenerationResult {
  if (bytes.length % 4 !== 0 || bytes.length < 4 * (GEN_HEADER_WORDS + 2))
    throw new GenerationRequestError("not a generation state", { details: `${bytes.length} bytes` });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (i: number) => dv.getInt32(4 * i, true);
  const C = bytes.length / 4 - GEN_HEADER_WORDS;
  const promptLen = word(GenWord.promptLen);
  const generated = word(GenWord.generated);
  const stopCode = word(GenWord.stop);
  const stop = (Object.keys(StopReason) as StopReasonName[]).find((k) => StopReason[k] === stopCode);
  if (stop === undefined) throw new GenerationRequestError("unknown stop reason", { details: `stop = ${stopCode}` });
  if (stop === "invalid") return { prompt: [], tokens: [], stop };
  if (promptLen < 1 || generated < 0 || promptLen + generated > C)
    throw new GenerationRequestError("the state's lengths do not fit its context", {
      details: `promptLen ${promptLen}, generated ${generated}, context ${C}`,
    });
  const tokens = Array.from({ length: promptLen + generated }, (_, i) => word(GEN_HEADER_WORDS + i));
  return { prompt: tokens.slice(0, promptLen), tokens: tokens.slice(promptLen), stop };
}

/**
 * The request's `invTemp` for a temperature: a logit `d` units below the maximum weighs
 * `2^(−d·invTemp/65536) = exp(−d·logitScale/temperature)`, `logitScale` the real value of one
 * int8 logit unit (the model's output scale).
 */
export function invTempFor(temperature: number, logitScale: number): number {
  if (!(temperature > 0) || !(logitScale > 0))
    throw new GenerationRequestError("temperature and logit scale must be positive", {
      details: `temperature ${temperature}, logit scale ${logitScale}`,
    });
  return Math.min(0x7fffffff, Math.round((65536 * logitScale * Math.LOG2E) / temperature));
}
