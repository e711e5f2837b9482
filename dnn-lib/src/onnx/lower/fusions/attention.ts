/**
 * Causal self-attention: MatMul(Q, Transpose(K)) → [Mul/Div by a positive scalar α] → Add(causal
 * mask) or Where(causal bool mask, −big, ·) → Softmax → MatMul(·, V), with Q, K, V of one shape [..][T][Dh] (the leading dims are the
 * heads), becomes one `attention` node: mS/2^sS = s_q·s_k·α/s_z with s_z the calibrated scale of
 * the scaled scores, an exp table for s_z, mO/2^sO = s_v/(127·s_out). Keyed by the last MatMul.
 */
import { Op } from "../../../ops.ts";
import { OnnxUnsupportedError } from "../../errors.ts";
import type { OnnxNode, OnnxTensor } from "../../model.ts";
import { expTable, quantizeMultiplier } from "../../quantMath.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import type { LowerContext } from "../LowerContext.ts";
import { prod } from "../prod.ts";

interface Attention {
  q: string;
  k: string;
  v: string;
  alpha: number;
  score: string;
  out: string;
  nodes: number[];
}

export const attention: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const g = ctx.graph;
  g.nodes.forEach((sm, si) => {
    if (sm.opType !== "Softmax") return;
    const pv = ctx.soleConsumer(sm.outputs[0]);
    if (pv === undefined || g.nodes[pv].opType !== "MatMul" || g.nodes[pv].inputs[0] !== sm.outputs[0]) return;
    const chain = [si, pv];
    let cur = sm.inputs[0];
    let p = ctx.producer.get(cur);
    let masked = false;
    if (p !== undefined && g.nodes[p].opType === "Where" && ctx.soleConsumer(cur) === si) {
      // Where(mask, −big, scores): the mask a bool constant, true exactly above the diagonal.
      const wh = g.nodes[p];
      const [cond, fill, other] = wh.inputs;
      const fillV = ctx.scalarConst(fill);
      const condT = ctx.inits.get(cond);
      if (!condT || ctx.inits.has(other) || fillV === undefined || fillV > -1e4) return;
      checkCausalCondition(condT, wh);
      masked = true;
      chain.push(p);
      cur = other;
      p = ctx.producer.get(cur);
    } else if (p !== undefined && g.nodes[p].opType === "Add" && ctx.soleConsumer(cur) === si) {
      const add = g.nodes[p];
      const mask = add.inputs.find((x) => ctx.inits.has(x));
      const other = add.inputs.find((x) => !ctx.inits.has(x));
      if (!mask || !other) return;
      checkCausalMask(ctx.inits.get(mask)!, add);
      masked = true;
      chain.push(p);
      cur = other;
      p = ctx.producer.get(cur);
    }
    if (!masked) return;
    const score = cur;
    let alpha = 1;
    if (p !== undefined && (g.nodes[p].opType === "Mul" || g.nodes[p].opType === "Div")) {
      const m = g.nodes[p];
      const c = ctx.scalarConst(m.inputs[1]);
      if (c === undefined || c <= 0) return;
      alpha = m.opType === "Mul" ? c : 1 / c;
      chain.push(p);
      cur = m.inputs[0];
      p = ctx.producer.get(cur);
    }
    if (p === undefined || g.nodes[p].opType !== "MatMul") return;
    const qk = g.nodes[p];
    const tp = ctx.producer.get(qk.inputs[1]);
    if (tp === undefined || g.nodes[tp].opType !== "Transpose") return;
    const perm = ctx.intsAttr(g.nodes[tp], "perm");
    const rank = ctx.dimsOf(qk.inputs[1]).length;
    if (perm && !(perm[rank - 1] === rank - 2 && perm[rank - 2] === rank - 1)) return;
    chain.push(p, tp);
    const pat: Attention = {
      q: qk.inputs[0],
      k: g.nodes[tp].inputs[0],
      v: g.nodes[pv].inputs[1],
      alpha,
      score,
      out: g.nodes[pv].outputs[0],
      nodes: chain,
    };
    found.set(pv, { nodes: chain, lower: (c, at) => lowerAttention(c, at, pat) });
  });
  return found;
};

function lowerAttention(ctx: LowerContext, n: OnnxNode, pat: Attention): void {
  const q = ctx.get(pat.q, n);
  const k = ctx.get(pat.k, n);
  const v = ctx.get(pat.v, n);
  const qd = ctx.dimsOf(pat.q);
  const T = qd[qd.length - 2];
  const Dh = qd[qd.length - 1];
  // Heads are the leading dims of Q, K and V, each [H][T][Dh].
  const H = prod(qd) / (T * Dh);
  if (ctx.dimsOf(pat.k).join() !== qd.join() || ctx.dimsOf(pat.v).join() !== qd.join())
    ctx.unsupported(
      n,
      `attention: Q [${qd}], K [${ctx.dimsOf(pat.k)}] and V [${ctx.dimsOf(pat.v)}] must have one shape`,
    );
  const sZ = ctx.actScale(pat.score);
  const { m: mS, s: sS } = quantizeMultiplier((q.scale * k.scale * pat.alpha) / sZ, "attention scores");
  const sOut = ctx.actScale(pat.out);
  const { m: mO, s: sO } = quantizeMultiplier(v.scale / 127 / sOut, "attention output");
  const exp = ctx.constant(`${pat.out}.exp`, expTable(sZ), [256]);
  const params = [H, T, Dh, T, 0, mS, sS, mO, sO];
  ctx.emit(Op.attention, [q.id, k.id, v.id, exp], params, pat.out, sOut, ctx.sourceOf(pat.nodes));
}

/** The condition of a Where mask must be causal: true exactly above the diagonal. */
function checkCausalCondition(t: OnnxTensor, where: OnnxNode): void {
  const d = t.dims.filter((x) => x !== 1);
  const T = d[d.length - 1];
  const ok =
    d.length === 2 &&
    d[0] === T &&
    Array.from({ length: T * T }, (_, i) => i).every((i) => i % T > Math.floor(i / T) === (Number(t.data[i]) !== 0));
  if (!ok)
    throw new OnnxUnsupportedError("Where", `ONNX Where (node ${where.name}): attention mask is not causal`, {
      details: "the attention op is causal: the masked positions must be exactly those above the diagonal",
    });
}

/** The mask of the attention pattern must be causal: 0 on and below the diagonal, ≤ −1e4 (or −∞) above. */
function checkCausalMask(t: OnnxTensor, add: OnnxNode): void {
  const d = t.dims.filter((x) => x !== 1);
  const T = d[d.length - 1];
  const ok =
    d.length === 2 &&
    d[0] === T &&
    Array.from({ length: T * T }, (_, i) => i).every((i) => {
      const v = Number(t.data[i]);
      return i % T <= Math.floor(i / T) ? v === 0 : v <= -1e4;
    });
  if (!ok)
    throw new OnnxUnsupportedError("Add", `ONNX Add (node ${add.name}): attention mask is not causal`, {
      details: "the attention op is causal: mask must be 0 on and below the diagonal and ≤ −1e4 above",
    });
}
