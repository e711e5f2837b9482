/**
 * A generation model from a full-context decoder (docs/protocol.md §4.4). The decoder maps token
 * ids[T] (int32) to logits[T][V] (int8) with causal attention; the generation model maps a
 * generation request to the generation state after decoding: `genInit` checks the request, then
 * for each position p = 0 … C−2 a decode step — the decoder's nodes on position p's rows alone,
 * attention reading and appending the key/value caches held in graph state — and a `genSample`
 * node that appends the next token (or keeps the prompt's). Every row a decode step computes is
 * the full decoder's row bit for bit, so generation with the cache gives exactly the tokens of
 * recomputing the whole context at every step.
 */
import { Op } from "../ops.ts";
import type { GraphNode, Model } from "../model/Model.ts";
import { validateModel } from "../model/validateModel.ts";
import { SlotKind, type OperandSlot } from "../nodeInput.ts";
import { GenerationModelError } from "./errors.ts";
import { GEN_HEADER_WORDS, stateByteLength } from "./generationState.ts";
import { refuse, ruleFor, type GraphWriter, type NodeRule } from "./sliceRules.ts";
import { groupedKeysValues } from "./headRepeat.ts";
import type { TokenLayout } from "./TokenLayout.ts";
import { exp2Table } from "../reference/generation.ts";

export interface GenerationOptions {
  /** Positions of the generation context (prompt and new tokens), at most the decoder's T (default T). */
  context?: number;
  /** Most new tokens a request may ask for (default context − 1). */
  maxNew?: number;
  /** The token that ends generation, or none (default). */
  endToken?: number;
}

/** What a generation model is, beside its graph. */
export interface GenerationShape {
  /** The decoder's context (positions its tables cover). */
  T: number;
  /** The generation context. */
  C: number;
  V: number;
  maxNew: number;
  endToken: number;
  /** Nodes per position (the decode step and its sampler). */
  nodesPerToken: number;
}

export interface GenerationModel {
  model: Model;
  shape: GenerationShape;
  /** For each position p, the activation slot of its logits row (tests compare it with the decoder's). */
  logitsSlots: number[];
}

class Writer implements GraphWriter {
  readonly nodes: GraphNode[] = [];
  readonly caches: number[] = [];
  constructor(readonly weights: Uint8Array[]) {}
  emit(op: number, inputs: OperandSlot[], params: number[], into?: { cache: number; offset: number }): OperandSlot {
    this.nodes.push({ op, inputs, params, ...(into && { into }) });
    return { kind: SlotKind.activation, slot: this.nodes.length };
  }
  cache(bytes: number): number {
    this.caches.push(bytes);
    return this.caches.length - 1;
  }
  weight(bytes: Uint8Array): OperandSlot {
    this.weights.push(bytes);
    return { kind: SlotKind.weight, slot: this.weights.length - 1 };
  }
  weightBytes(slot: number): Uint8Array {
    const w = this.weights[slot];
    if (!w) throw new GenerationModelError("a node reads a weight that is not there", { details: `slot ${slot}` });
    return w;
  }
}

/**
 * The decoder's context T, the rules of its nodes, what each node reads in a decode step (an
 * attention node of grouped keys and values reads them before their head repeat), which nodes a
 * decode step runs (those the logits depend on: a repeat nothing else reads is no node), and its
 * vocabulary, checked.
 */
interface Analysis {
  T: number;
  V: number;
  rules: NodeRule[];
  inputs: OperandSlot[][];
  live: boolean[];
}

function analyse(decoder: Model, C?: number): Analysis {
  const lengths = validateModel(decoder);
  const T = decoder.inputLength / 4;
  if (!Number.isInteger(T) || T < 2)
    throw new GenerationModelError("the decoder's input is not token ids (int32, at least 2 positions)", {
      details: `${decoder.inputLength} input bytes`,
    });
  // Where the token axis lies in every activation, and each node's decode-step rule.
  const layouts: (TokenLayout | undefined)[] = [{ outer: 1, inner: 4 }];
  const inputs: OperandSlot[][] = [];
  const rules: NodeRule[] = decoder.nodes.map((node, i) => {
    const grouped = groupedKeysValues(
      node,
      (slot) => decoder.nodes[slot - 1],
      (slot) => layouts[slot],
    );
    inputs.push(grouped?.inputs ?? node.inputs);
    const ins = inputs[i]!.map((s) => (s.kind === SlotKind.weight ? undefined : layouts[s.slot]));
    const rule = ruleFor(node, i, ins, T, C ?? T, grouped?.G);
    if (rule.out.outer * T * rule.out.inner !== lengths[i + 1])
      refuse(node, i, "the output is not one row per position", `${lengths[i + 1]} bytes`);
    layouts.push(rule.out);
    return rule;
  });
  const N = decoder.nodes.length;
  const outL = layouts[N]!;
  const last = decoder.nodes[N - 1]!;
  const int16Out: number[] = [Op.requant16, Op.cvt8to16, Op.matmul16, Op.add16, Op.mul16, Op.relu16, Op.lut16];
  if (outL.outer !== 1 || last.op === Op.argmax || int16Out.includes(last.op))
    throw new GenerationModelError("the decoder's output is not int8 logits, one row per position", {
      details: `output [${outL.outer}][T][${outL.inner} bytes]`,
    });
  // A node runs in the decode step when the logits depend on it.
  const live = layouts.map((_, slot) => slot === N);
  for (let i = N - 1; i >= 0; i--)
    if (live[i + 1]) for (const s of inputs[i]!) if (s.kind === SlotKind.activation) live[s.slot] = true;
  return { T, V: outL.inner, rules, inputs, live };
}

/** Writes the decode step of position `p` reading token `token`; returns its logits row's slot. */
function decodeStep(decoder: Model, a: Analysis, w: Writer, p: number, token: OperandSlot): OperandSlot {
  const rows: (OperandSlot | undefined)[] = [token];
  decoder.nodes.forEach((_, i) => {
    if (!a.live[i + 1]) return void rows.push(undefined);
    const operands = a.inputs[i]!.map((s) => (s.kind === SlotKind.weight ? s : rows[s.slot]!));
    rows.push(a.rules[i]!.emit(w, p, operands));
  });
  return rows[decoder.nodes.length]!;
}

function checkContext(C: number, T: number): void {
  if (!Number.isInteger(C) || C < 2 || C > T)
    throw new GenerationModelError("the generation context must be in 2 … T", { details: `context ${C}, T = ${T}` });
}

/**
 * The decoder run one position at a time with the cache, on given ids[C] (teacher forcing): the
 * same input as the decoder (first C positions), its output the logits of the last position.
 * `logitsSlots[p]` holds position p's row, which must equal row p of the decoder's output.
 */
export function unrollDecoding(decoder: Model, context?: number): { model: Model; logitsSlots: number[] } {
  const a = analyse(decoder, context);
  const C = context ?? a.T;
  checkContext(C, a.T);
  const w = new Writer([...decoder.weights]);
  const ids: OperandSlot = { kind: SlotKind.activation, slot: 0 };
  const logitsSlots: number[] = [];
  for (let p = 0; p < C; p++)
    logitsSlots.push(decodeStep(decoder, a, w, p, w.emit(Op.slice, [ids], [1, 4 * C, 4 * p, 4])).slot);
  const model: Model = {
    ...decoder,
    name: `${decoder.name}.decode`,
    inputLength: 4 * C,
    nodes: w.nodes,
    weights: w.weights,
    caches: w.caches,
  };
  validateModel(model);
  return { model, logitsSlots };
}

export function unrollGeneration(decoder: Model, opts: GenerationOptions = {}): GenerationModel {
  const a = analyse(decoder, opts.context);
  const { T, V } = a;
  const C = opts.context ?? T;
  checkContext(C, T);
  const maxNew = opts.maxNew ?? C - 1;
  if (!Number.isInteger(maxNew) || maxNew < 1 || maxNew >= C)
    throw new GenerationModelError("maxNew must be in 1 … context − 1", { details: `maxNew ${maxNew}, context ${C}` });
  const endToken = opts.endToken ?? -1;
  if (!Number.isInteger(endToken) || endToken < -1 || endToken >= V)
    throw new GenerationModelError("the end token is not in the vocabulary", { details: `${endToken}, V = ${V}` });

  const w = new Writer([...decoder.weights]);
  const exp2 = w.weight(new Uint8Array(exp2Table().buffer));
  const request: OperandSlot = { kind: SlotKind.activation, slot: 0 };
  let state = w.emit(Op.genInit, [request], [C, maxNew, V]);
  const stateBytes = stateByteLength(C);
  const logitsSlots: number[] = [];
  let nodesPerToken = 0;
  for (let p = 0; p <= C - 2; p++) {
    const before = w.nodes.length;
    const token = w.emit(Op.slice, [state], [1, stateBytes, 4 * (GEN_HEADER_WORDS + p), 4]);
    const logits = decodeStep(decoder, a, w, p, token);
    logitsSlots.push(logits.slot);
    state = w.emit(Op.genSample, [state, logits, exp2], [C, V, p, endToken]);
    nodesPerToken = Math.max(nodesPerToken, w.nodes.length - before);
  }
  const model: Model = {
    name: `${decoder.name}.generate`,
    inputLength: stateBytes,
    inputScale: 1,
    outputScale: decoder.outputScale,
    nodes: w.nodes,
    weights: w.weights,
    caches: w.caches,
  };
  validateModel(model);
  return { model, shape: { T, C, V, maxNew, endToken, nodesPerToken }, logitsSlots };
}
