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
const other = (n: OnnxNode, x: string) => (n.inputs[0] === x ? n.inputs[1] : n.inputs[0]);

/** The tanh form of GELU. */
export const geluTanh = (r: number) => 0.5 * r * (1 + Math.tanh(K * (r + 0.044715 * r * r * r)));

function prodNode(ctx: LowerContext, name: string, op: string): { i: number; n: OnnxNode } | undefined {
  const i = ctx.producer.get(name);
  if (i === undefined || ctx.graph.nodes[i].opType !== op) return undefined;
  return { i, n: ctx.graph.nodes[i] };
}

/** x³ as Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x): the nodes, when the cube is of x. */
function cube(ctx: LowerContext, name: string, x: string): number[] | undefined {
  const p = prodNode(ctx, name, "Pow");
  if (p) return p.n.inputs[0] === x && ctx.scalarConst(p.n.inputs[1]) === 3 ? [p.i] : undefined;
  const m = prodNode(ctx, name, "Mul");
  if (!m || !m.n.inputs.includes(x)) return undefined;
  const sq = prodNode(ctx, other(m.n, x), "Mul");
  return sq && sq.n.inputs[0] === x && sq.n.inputs[1] === x ? [sq.i, m.i] : undefined;
}

export const tanhGelu: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  const g = ctx.graph;
  g.nodes.forEach((th, ti) => {
    if (th.opType !== "Tanh") return;
    const sc = prodNode(ctx, th.inputs[0], "Mul");
    if (!sc || ctx.soleConsumer(th.inputs[0]) !== ti) return;
    const kName = sc.n.inputs.find((i) => near(ctx.scalarConst(i), K));
    if (kName === undefined) return;
    const inner = prodNode(ctx, other(sc.n, kName), "Add");
    if (!inner) return;
    let x: string | undefined;
    let cubeNodes: number[] | undefined;
    let c3: { i: number; n: OnnxNode } | undefined;
    for (const cand of inner.n.inputs) {
      const m = prodNode(ctx, other(inner.n, cand), "Mul");
      const cName = m?.n.inputs.find((i) => near(ctx.scalarConst(i), 0.044715));
      if (!m || cName === undefined) continue;
      const cn = cube(ctx, other(m.n, cName), cand);
      if (cn) [x, cubeNodes, c3] = [cand, cn, m];
    }
    if (x === undefined) return;
    const ai = ctx.soleConsumer(th.outputs[0]);
    if (ai === undefined || g.nodes[ai].opType !== "Add") return;
    const add = g.nodes[ai];
    if (!near(ctx.scalarConst(other(add, th.outputs[0])), 1)) return;
    const m1 = ctx.soleConsumer(add.outputs[0]);
    if (m1 === undefined || g.nodes[m1].opType !== "Mul") return;
    const head = [...cubeNodes!, c3!.i, inner.i, sc.i, ti, ai];
    const m1Other = other(g.nodes[m1], add.outputs[0]);
    const xs = x;
    const match = (nodes: number[]): FusionMatch => {
      const out = g.nodes[nodes[nodes.length - 1]!]!.outputs[0]!;
      return { nodes, lower: (c, at) => emitLut(c, at, xs, out, geluTanh, c.sourceOf(nodes)) };
    };
    if (m1Other === x) {
      const last = ctx.soleConsumer(g.nodes[m1].outputs[0]);
      if (last === undefined || g.nodes[last].opType !== "Mul") return;
      if (!near(ctx.scalarConst(other(g.nodes[last], g.nodes[m1].outputs[0])), 0.5)) return;
      found.set(last, match([...head, m1, last]));
    } else {
      const h = prodNode(ctx, m1Other, "Mul");
      if (!h || !h.n.inputs.includes(x) || !near(ctx.scalarConst(other(h.n, x)), 0.5)) return;
      found.set(m1, match([...head, h.i, m1]));
    }
  });
  return found;
};
