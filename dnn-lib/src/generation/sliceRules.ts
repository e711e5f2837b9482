/**
 * One rule per op for the unroller (unrollGeneration.ts): from a node of the full-context graph
 * and where the token axis lies in its operands, where it lies in the output, and the node(s) a
 * decode step at position `p` runs instead — the same arithmetic on that position's rows, so the
 * rows are bit for bit those of the full graph. Attention keeps its key/value caches in graph
 * state: at position `p` this position's rows are written in place into row `p` of each cache.
 */
import { Op, opInfo, paramsOf, type OpCode } from "../ops.ts";
import type { GraphNode } from "../model/Model.ts";
import { blockSize, SlotKind, type OperandSlot } from "../nodeInput.ts";
import { cacheSlot } from "../model/Model.ts";
import { GenerationModelError } from "./errors.ts";
import { sameLayout, showLayout, type TokenLayout } from "./TokenLayout.ts";

/** What a rule writes with: new nodes (each returns its output slot), new weights and caches. */
export interface GraphWriter {
  emit(op: number, inputs: OperandSlot[], params: number[], into?: { cache: number; offset: number }): OperandSlot;
  /** A new cache slot of `bytes` bytes; returns its index. */
  cache(bytes: number): number;
  weight(bytes: Uint8Array): OperandSlot;
  /** The bytes of a weight slot of the full model. */
  weightBytes(slot: number): Uint8Array;
}

/** A node's rule: the output's token layout, and what position `p` runs given its operands' rows. */
export interface NodeRule {
  out: TokenLayout;
  emit(w: GraphWriter, p: number, operands: OperandSlot[]): OperandSlot;
}

const isWeight = (s: OperandSlot) => s.kind === SlotKind.weight;

export function refuse(node: GraphNode, index: number, why: string, details?: string): never {
  throw new GenerationModelError(`node ${index} (${opInfo(node.op).name}): ${why}`, { details });
}

/**
 * The rule for `node` (index `i` of the full graph), its operands' layouts (undefined: a weight).
 * `groups`: for an attention node whose keys and values are read before their head repeat
 * (headRepeat.ts), their G heads.
 */
export function ruleFor(
  node: GraphNode,
  i: number,
  ins: (TokenLayout | undefined)[],
  T: number,
  C: number,
  groups?: number,
): NodeRule {
  const op = node.op as OpCode;
  const bad = (why: string, details?: string) => refuse(node, i, why, details);
  const act = (j: number): TokenLayout => ins[j] ?? bad(`operand ${j} must be an activation, not a weight`);
  const onlyWeightsAfter = (first: number) => {
    for (let j = first; j < node.inputs.length; j++)
      if (ins[j] !== undefined) bad(`operand ${j} must be a weight (it mixes positions otherwise)`);
  };
  const withParams = (params: number[]) => (w: GraphWriter, _p: number, o: OperandSlot[]) => w.emit(op, o, params);
  const perT = (v: number, what: string) => {
    if (v % T !== 0) bad(`${what} = ${v} is not a multiple of the context ${T}`);
    return v / T;
  };

  switch (op) {
    case Op.gather: {
      const q = paramsOf(op, node.params);
      const ids = act(1);
      if (ins[0] !== undefined) bad("the embedding table must be a weight");
      if (!sameLayout(ids, { outer: 1, inner: 4 }) || q.T !== T)
        bad("the ids must be the token axis itself", `ids ${showLayout(ids)}, T = ${q.T}`);
      return { out: { outer: 1, inner: q.D }, emit: withParams([q.V, q.D, 1]) };
    }
    case Op.matmul:
    case Op.matmul16: {
      const q = paramsOf(op, node.params);
      const e = op === Op.matmul ? 1 : 2;
      const x = act(0);
      onlyWeightsAfter(1);
      if (!sameLayout(x, { outer: 1, inner: e * q.K }) || q.M !== T)
        bad("the rows of x must be the positions", `x ${showLayout(x)}, M = ${q.M}`);
      return { out: { outer: 1, inner: e * q.N }, emit: withParams([1, q.N, q.K]) };
    }
    case Op.add:
    case Op.mul:
    case Op.add16:
    case Op.mul16:
      return elementwise(node, i, ins, T, 2);
    case Op.relu:
    case Op.relu16:
    case Op.lut:
    case Op.lut16:
    case Op.copy:
      return elementwise(node, i, ins, T, 1);
    case Op.cvt8to16:
    case Op.cvt16to8: {
      const x = act(0);
      const n = perT(node.params[0]!, "n");
      const out = op === Op.cvt8to16 ? { outer: x.outer, inner: 2 * x.inner } : { outer: x.outer, inner: x.inner / 2 };
      return { out, emit: withParams([n, ...node.params.slice(1)]) };
    }
    case Op.softmax:
    case Op.argmax:
    case Op.norm:
    case Op.requant:
    case Op.requant16: {
      // Row ops: R rows of W bytes each; a row must not straddle two positions.
      const R = node.params[0]!;
      const width = node.params[1]!;
      const inW = op === Op.requant || op === Op.requant16 ? 4 * width : width;
      const outW = op === Op.argmax ? 4 : op === Op.requant16 ? 2 * width : width;
      const x = act(0);
      onlyWeightsAfter(1);
      if (x.inner % inW !== 0 || x.outer * T * (x.inner / inW) !== R)
        bad("a row mixes positions", `x ${showLayout(x)}, ${R} rows of ${inW} bytes`);
      const out = { outer: x.outer, inner: (x.inner / inW) * outW };
      return { out, emit: withParams([R / T, ...node.params.slice(1)]) };
    }
    case Op.rotary:
      return rotaryRule(node, i, act(0), T);
    case Op.attention:
      return attentionRule(node, i, [act(0), act(1), act(2)], T, C, groups);
    case Op.transpose: {
      const q = paramsOf(op, node.params);
      return stridedRule(node, i, act(0), T, [1, 1, q.C, q.R], [0, 0, 1, q.C], q.E, q.R * q.C);
    }
    case Op.strided: {
      const q = paramsOf(op, node.params);
      return stridedRule(node, i, act(0), T, [q.d0, q.d1, q.d2, q.d3], [q.st0, q.st1, q.st2, q.st3], q.E, q.n);
    }
    case Op.concat: {
      const q = paramsOf(op, node.params);
      const [a, b] = [act(0), act(1)];
      const ra = q.A > 0 ? a.inner / q.A : NaN;
      const rb = q.B > 0 ? b.inner / q.B : NaN;
      if (a.outer !== b.outer || !Number.isInteger(ra) || ra !== rb)
        bad("the joined rows are not whole positions", `a ${showLayout(a)}, b ${showLayout(b)}, A ${q.A}, B ${q.B}`);
      return { out: { outer: a.outer, inner: ra * (q.A + q.B) }, emit: withParams([q.O / T, q.A, q.B]) };
    }
    case Op.slice: {
      const q = paramsOf(op, node.params);
      const x = act(0);
      if (x.inner % q.I !== 0) bad("the slice cuts across positions", `x ${showLayout(x)}, rows of ${q.I} bytes`);
      return {
        out: { outer: x.outer, inner: (x.inner / q.I) * q.len },
        emit: withParams([q.O / T, q.I, q.start, q.len]),
      };
    }
    default:
      return bad("no decode-step form for this op");
  }
}

/** Element-wise ops: every activation operand laid out alike; a weight operand is cut to the row. */
function elementwise(node: GraphNode, i: number, ins: (TokenLayout | undefined)[], T: number, arity: number): NodeRule {
  const acts = ins.slice(0, arity).filter((l): l is TokenLayout => l !== undefined);
  const first = acts[0] ?? refuse(node, i, "no operand depends on the tokens");
  if (!acts.every((l) => sameLayout(l, first)))
    refuse(node, i, "operands with different token layouts", acts.map(showLayout).join(" vs "));
  for (let j = arity; j < ins.length; j++) if (ins[j] !== undefined) refuse(node, i, `operand ${j} must be a weight`);
  const n = node.params[0]!;
  if (n % T !== 0) refuse(node, i, `n = ${n} is not a multiple of the context ${T}`);
  const params = [n / T, ...node.params.slice(1)];
  const full = first.outer * T * first.inner;
  return {
    out: first,
    emit(w, p, o) {
      if (node.op === Op.copy) return o[0]!;
      // A weight operand of the full length holds one row per position (learned positions,
      // a broadcast bias): position p reads its own row.
      const operands = o.map((s, j) => {
        if (j >= arity || !isWeight(s)) return s;
        if (w.weightBytes(s.slot).length !== full) refuse(node, i, `weight operand ${j} is not one row per position`);
        return w.emit(Op.slice, [s], [first.outer, T * first.inner, p * first.inner, first.inner]);
      });
      return w.emit(node.op, operands, params);
    },
  };
}

/**
 * Rotary embedding of rows of `Dh` bytes whose table row is `pos0 + ⌊row / H⌋`: at position `p`
 * every remaining row must read the same table row (true when the rows of a position are its
 * heads); the decode step reads row `p` of a table with one row per position.
 */
function rotaryRule(node: GraphNode, i: number, x: TokenLayout, T: number): NodeRule {
  const q = paramsOf(Op.rotary, node.params);
  const bad = (why: string, details?: string) => refuse(node, i, why, details);
  if (x.inner % q.Dh !== 0) bad("a rotated row straddles two positions", `x ${showLayout(x)}, Dh = ${q.Dh}`);
  const perPos = x.inner / q.Dh;
  const rows = x.outer * perPos;
  const half = q.Dh / 2;
  let tables: [OperandSlot, OperandSlot] | undefined;
  return {
    out: x,
    emit(w, p, o) {
      const [xs, cosSlot, sinSlot] = o as [OperandSlot, OperandSlot, OperandSlot];
      if (!isWeight(cosSlot) || !isWeight(sinSlot)) return bad("the rotary tables must be weights");
      if (!tables) {
        // One table row per position, checked to be the row every head of that position reads.
        const src = [w.weightBytes(cosSlot.slot), w.weightBytes(sinSlot.slot)];
        const rowBytes = 2 * half;
        const made = src.map(() => new Uint8Array(T * rowBytes));
        for (let t = 0; t < T; t++)
          for (let r = 0; r < rows; r++) {
            const o2 = Math.floor(r / perPos);
            const full = o2 * T * perPos + t * perPos + (r % perPos);
            const row = q.pos0 + Math.floor(full / q.H);
            src.forEach((s, k) => {
              const bytes = s.subarray(row * rowBytes, (row + 1) * rowBytes);
              if (r === 0) made[k]!.set(bytes, t * rowBytes);
              else if (!bytes.every((b, j) => b === made[k]![t * rowBytes + j]))
                bad("the rows of one position read different rotary table rows", `position ${t}, row ${r}`);
            });
          }
        tables = [w.weight(made[0]!), w.weight(made[1]!)];
      }
      return w.emit(Op.rotary, [xs, ...tables], [1, rows, q.Dh, p, T]);
    },
  };
}

/**
 * Causal attention over the whole context: the decode step at position p writes its key and value
 * rows in place into row p of two caches of C rows (position-major, each row padded to a power of
 * two ≥ 32 bytes: an aligned block), then attends its query to rows 0 … p (`attnCache`). A row is
 * the position's H heads `[H][Dh]`, or, given `G` (the keys and values read before their head
 * repeat), its G heads `[G][Dh]`: `attnCache` gives head h group ⌊h/(H/G)⌋.
 */
function attentionRule(
  node: GraphNode,
  i: number,
  [qL, kL, vL]: TokenLayout[],
  T: number,
  C: number,
  G?: number,
): NodeRule {
  const q = paramsOf(Op.attention, node.params);
  const head = { outer: q.H, inner: q.Dh };
  if (q.Tq !== T || q.Tmax !== T || q.pos0 !== 0)
    refuse(
      node,
      i,
      "only attention over the whole context can be cached",
      `Tq ${q.Tq}, Tmax ${q.Tmax}, pos0 ${q.pos0}`,
    );
  const groups = G ?? q.H;
  const row = groups * q.Dh;
  for (const [name, l] of [
    ["q", qL],
    ["k", kL],
    ["v", vL],
  ] as const) {
    const ok = name === "q" || G === undefined ? sameLayout(l!, head) : l!.outer * l!.inner === row;
    if (!ok) refuse(node, i, `${name} is not [heads][T][Dh]`, showLayout(l!));
  }
  const S = blockSize(row);
  let caches: [number, number] | undefined;
  return {
    out: head,
    emit(w, p, o) {
      const [qs, ks, vs, exp] = o as [OperandSlot, OperandSlot, OperandSlot, OperandSlot];
      caches ??= [w.cache(C * S), w.cache(C * S)];
      const [kc, vc] = caches;
      w.emit(Op.copy, [ks], [row], { cache: kc, offset: p * S });
      w.emit(Op.copy, [vs], [row], { cache: vc, offset: p * S });
      const slot = (c: number): OperandSlot => ({ kind: SlotKind.activation, slot: cacheSlot(c) });
      return w.emit(Op.attnCache, [qs, slot(kc), slot(vc), exp], [q.H, q.Dh, groups, C, S, p, q.mS, q.sS, q.mO, q.sO]);
    },
  };
}

/**
 * A strided view: one dimension must carry the token axis (as `[q][T][r]` of contiguous
 * positions), every other one must stay inside a position (inner) or step over whole blocks of
 * positions (outer). The decode step's view drops the axis; a view that becomes the identity is
 * no node at all.
 */
function stridedRule(
  node: GraphNode,
  i: number,
  x: TokenLayout,
  T: number,
  d: number[],
  st: number[],
  E: number,
  n: number,
): NodeRule {
  const bad = (why: string) => refuse(node, i, why, `x ${showLayout(x)}, dims [${d}], strides [${st}], E ${E}`);
  if (x.inner % E !== 0) bad("an element straddles two positions");
  const sT = x.inner / E;
  const sO = T * sT;
  const fits = (m: number) => {
    const s = st[m]!;
    if (s <= 0 || sT % s !== 0 || d[m]! % (T * (sT / s)) !== 0) return undefined;
    const d2 = d.map((v, k) => (k === m ? v / T : v));
    const st2 = [...st];
    let span = (sT / s - 1) * s;
    for (let k = 0; k < 4; k++) {
      if (k === m || d[k] === 1 || st[k] === 0) {
        if (k !== m && d[k] === 1) st2[k] = 0;
        continue;
      }
      if (st[k]! % sO === 0) st2[k] = st[k]! / T;
      else span += (d[k]! - 1) * st[k]!;
    }
    return span < sT ? { d2, st2 } : undefined;
  };
  let m = -1;
  let view: { d2: number[]; st2: number[] } | undefined;
  for (let k = 0; k < 4 && !view; k++) if ((view = fits(k))) m = k;
  if (!view) return bad("no dimension of the view is the token axis alone");
  const r = st[m]! === 0 ? 1 : sT / st[m]!;
  const qBlocks = d[m]! / (T * r);
  const prod = (a: number[]) => a.reduce((u, v) => u * v, 1);
  const out = { outer: prod(d.slice(0, m)) * qBlocks, inner: r * prod(d.slice(m + 1)) * E };
  const { d2, st2 } = view;
  const n2 = n / T;
  const identity = isIdentity(d2, st2, n2);
  const params = [...d2, ...st2, E, n2];
  return { out, emit: (w, _p, o) => (identity ? o[0]! : w.emit(Op.strided, o, params)) };
}

/** Whether the view reads all `n` elements in order. */
function isIdentity(d: number[], st: number[], n: number): boolean {
  let expect = 1;
  let total = 1;
  for (let k = 3; k >= 0; k--) {
    if (d[k] === 1) continue;
    if (st[k] !== expect) return false;
    expect *= d[k]!;
    total *= d[k]!;
  }
  return total === n;
}
