/**
 * GELU in its tanh approximation written out, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as
 * PyTorch exports `gelu(approximate="tanh")` before opset 20, becomes one `lut` node of that
 * function. The inner term is Add(x, Mul(Pow(x, 3), 0.044715)) (x³ also as Mul(x, Mul(x, x)) or
 * Mul(Mul(x, x), x)), scaled by Mul with √(2/π); the outer product as in the Erf form
 * (erfGelu.ts): (x · (1 + t)) · 0.5 or (x · 0.5) · (1 + t). Operands of Mul and Add in either
 * order. Keyed by the last Mul.
 */
import type { OnnxNode } from "../../model.ts";
import { emitLut } from "../emitLut.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import type { LowerContext } from "../LowerContext.ts";

const K = Math.sqrt(2 / Math.PI);
const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) < 1e-4 * want;
const other = (n: OnnxNode, x: string | undefined) => (n.inputs[0] === x ? n.inputs[1] : n.inputs[0]);

/** The tanh form of GELU. */
export const geluTanh = (r: number) => 0.5 * r * (1 + Math.tanh(K * (r + 0.044715 * r * r * r)));

function prodNode(ctx: LowerContext, name: string | undefined, op: string): { i: number; n: OnnxNode } | undefined {
  const i = ctx.producerOf(name);
  if (i === undefined || ctx.node(i).opType !== op) return undefined;
  return { i, n: ctx.node(i) };
}

/** x³ as Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x): the nodes, when the cube is of x. */
function cube(ctx: LowerContext, name: string | undefined, x: string): number[] | undefined {
  const p = prodNode(ctx, name, "Pow");
  if (p) return p.n.inputs[0] === x && ctx.scalarConst(p.n.inputs[1]) === 3 ? [p.i] : undefined;
  const m = prodNode(ctx, name, "Mul");
  if (!m || !m.n.inputs.includes(x)) return undefined;
  const sq = prodNode(ctx, other(m.n, x), "Mul");
  return sq && sq.n.inputs[0] === x && sq.n.inputs[1] === x ? [sq.i, m.i] : undefined;
}

export const tanhGelu: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  ctx.graph.nodes.forEach((th, ti) => {
    if (th.opType !== "Tanh") return;
    const sc = prodNode(ctx, th.inputs[0], "Mul");
    if (!sc || ctx.soleConsumer(th.inputs[0]) !== ti) return;
    const kName = sc.n.inputs.find((i) => near(ctx.scalarConst(i), K));
    if (kName === undefined) return;
    const inner = prodNode(ctx, other(sc.n, kName), "Add");
    if (!inner) return;
    // x, with the nodes of x³ and of its Mul by 0.044715 (the last candidate that fits).
    let cubic: { x: string; cubeNodes: number[]; c3: number } | undefined;
    for (const cand of inner.n.inputs) {
      const m = prodNode(ctx, other(inner.n, cand), "Mul");
      const cName = m?.n.inputs.find((i) => near(ctx.scalarConst(i), 0.044715));
      if (!m || cName === undefined) continue;
      const cn = cube(ctx, other(m.n, cName), cand);
      if (cn) cubic = { x: cand, cubeNodes: cn, c3: m.i };
    }
    if (!cubic) return;
    const { x, cubeNodes, c3 } = cubic;
    const thOut = th.outputs[0];
    const ai = ctx.soleConsumer(thOut);
    if (ai === undefined || ctx.node(ai).opType !== "Add") return;
    const add = ctx.node(ai);
    if (!near(ctx.scalarConst(other(add, thOut)), 1)) return;
    const addOut = add.outputs[0];
    const m1 = ctx.soleConsumer(addOut);
    if (m1 === undefined || ctx.node(m1).opType !== "Mul") return;
    const head = [...cubeNodes, c3, inner.i, sc.i, ti, ai];
    const m1Node = ctx.node(m1);
    const m1Other = other(m1Node, addOut);
    const match = (nodes: number[], last: number): FusionMatch | undefined => {
      const out = ctx.node(last).outputs[0];
      if (out === undefined) return undefined;
      return { nodes, lower: (c, at) => emitLut(c, at, x, out, geluTanh, c.sourceOf(nodes)) };
    };
    const claim = (at: number, m: FusionMatch | undefined) => {
      if (m) found.set(at, m);
    };
    if (m1Other === x) {
      const m1Out = m1Node.outputs[0];
      const last = ctx.soleConsumer(m1Out);
      if (last === undefined || ctx.node(last).opType !== "Mul") return;
      if (!near(ctx.scalarConst(other(ctx.node(last), m1Out)), 0.5)) return;
      claim(last, match([...head, m1, last], last));
    } else {
      const h = prodNode(ctx, m1Other, "Mul");
      if (!h || !h.n.inputs.includes(x) || !near(ctx.scalarConst(other(h.n, x)), 0.5)) return;
      claim(m1, match([...head, h.i, m1], m1));
    }
  });
  return found;
};
