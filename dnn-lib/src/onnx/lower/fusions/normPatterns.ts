/**
 * LayerNorm and RMSNorm written out in elementwise ops, as PyTorch exports them before opset 17
 * (LayerNorm) or always (RMSNorm, LLaMA's `x * rsqrt(mean(x²) + eps) * w`), become one `norm` node
 * (emitNorm.ts), keyed by the pattern's last node:
 *
 *   LayerNorm: m = ReduceMean(x); d = Sub(x, m); v = ReduceMean(Pow(d, 2) | Mul(d, d));
 *              r = Sqrt(Add(v, eps)); y = Div(d, r) | Mul(d, Reciprocal(r)) | Mul(d, Div(1, r));
 *              then optionally Mul(y, γ) and Add(·, β)                                   (mode 0)
 *   RMSNorm:   v = ReduceMean(Pow(x, 2) | Mul(x, x)); r = Sqrt(Add(v, eps));
 *              y = Div(x, r) | Mul(x, Reciprocal(r)) | Mul(x, Div(1, r)); then optionally Mul(γ, y)   (mode 1)
 *
 * Every ReduceMean is over the last axis only with keepdims = 1, eps a positive scalar constant,
 * γ and β constants of the last dimension's size (or scalars); operands of Mul and Add in either
 * order. Each intermediate must have no other reader. A near miss is not a match.
 */
import type { OnnxNode } from "../../model.ts";
import type { FindFusions, FusionMatch } from "../FusionMatch.ts";
import type { LowerContext } from "../LowerContext.ts";
import { emitNorm } from "../emitNorm.ts";

interface Step {
  i: number;
  n: OnnxNode;
}

/** The one reader of `name` if it is of type `op`. */
function to(ctx: LowerContext, name: string | undefined, op: string): Step | undefined {
  const i = ctx.soleConsumer(name);
  if (i === undefined || ctx.node(i).opType !== op) return undefined;
  return { i, n: ctx.node(i) };
}

const other = (n: OnnxNode, x: string | undefined) => (n.inputs[0] === x ? n.inputs[1] : n.inputs[0]);

/** A ReduceMean over the last axis with keepdims. */
function lastAxisMean(ctx: LowerContext, n: OnnxNode): boolean {
  const x = n.inputs[0];
  if (n.opType !== "ReduceMean" || x === undefined || !ctx.hasDims(x)) return false;
  const rank = ctx.dimsOf(x).length;
  const axes = n.attributes["axes"];
  const keep = n.attributes["keepdims"];
  if (keep && !(keep.type === "int" && keep.value === 1)) return false;
  if (n.inputs.length > 1 || !axes || axes.type !== "ints" || axes.value.length !== 1) return false;
  return axes.value[0] === -1 || axes.value[0] === rank - 1;
}

/** Pow(x, 2) or Mul(x, x) at node i: x, or undefined. */
function square(ctx: LowerContext, n: OnnxNode): string | undefined {
  if (n.opType === "Pow" && ctx.scalarConst(n.inputs[1]) === 2) return n.inputs[0];
  if (n.opType === "Mul" && n.inputs[0] === n.inputs[1]) return n.inputs[0];
  return undefined;
}

/**
 * From the reader(s) of r = Sqrt(..): y = Div(x, r), Mul(x, Reciprocal(r)) or Mul(x, Div(1, r)),
 * with x the expected numerator. Returns y's node and the nodes used.
 */
function normalized(ctx: LowerContext, sqrt: Step, x: string): { y: Step; nodes: number[] } | undefined {
  const r = sqrt.n.outputs[0];
  const div = to(ctx, r, "Div");
  if (div && div.n.inputs[1] === r && div.n.inputs[0] === x) return { y: div, nodes: [div.i] };
  let inv: Step | undefined = to(ctx, r, "Reciprocal");
  if (!inv && div && div.n.inputs[1] === r && ctx.scalarConst(div.n.inputs[0]) === 1) inv = div;
  if (!inv) return undefined;
  const mul = to(ctx, inv.n.outputs[0], "Mul");
  if (!mul || other(mul.n, inv.n.outputs[0]) !== x) return undefined;
  return { y: mul, nodes: [inv.i, mul.i] };
}

/** A constant of D values (or one value) as D floats, else undefined. */
function perChannel(ctx: LowerContext, name: string, D: number, n: OnnxNode): Float64Array | undefined {
  const t = ctx.inits.get(name);
  if (!t || !(t.data instanceof Float32Array || t.data instanceof Float64Array)) return undefined;
  if (t.data.length === 1) return new Float64Array(D).fill(t.data[0]!);
  if (t.data.length !== D || t.dims[t.dims.length - 1] !== D) return undefined;
  return ctx.floatInit(name, n);
}

/** From r = Sqrt(Add(v, eps)) back: eps, and the Add and Sqrt steps, when v's reader is the Add. */
function epsSqrt(ctx: LowerContext, v: string | undefined): { eps: number; add: Step; sqrt: Step } | undefined {
  const add = to(ctx, v, "Add");
  if (!add) return undefined;
  const eps = ctx.scalarConst(other(add.n, v));
  if (eps === undefined || !(eps > 0)) return undefined;
  const sqrt = to(ctx, add.n.outputs[0], "Sqrt");
  return sqrt ? { eps, add, sqrt } : undefined;
}

export const normPatterns: FindFusions = (ctx) => {
  const found = new Map<number, FusionMatch>();
  ctx.graph.nodes.forEach((sq, si) => {
    const d = square(ctx, sq);
    if (d === undefined) return;
    const mean2 = to(ctx, sq.outputs[0], "ReduceMean");
    if (!mean2 || !lastAxisMean(ctx, mean2.n)) return;
    const es = epsSqrt(ctx, mean2.n.outputs[0]);
    if (!es) return;
    const dims = ctx.dimsOf(d);
    const D = dims[dims.length - 1];
    if (D === undefined) return;
    // LayerNorm when d = Sub(x, ReduceMean(x)), else RMSNorm of d itself.
    const subI = ctx.producerOf(d);
    const sub = subI !== undefined ? ctx.node(subI) : undefined;
    let mode: 0 | 1 = 1;
    let x = d;
    const nodes = [si, mean2.i, es.add.i, es.sqrt.i];
    if (subI !== undefined && sub && sub.opType === "Sub") {
      const [sx, m] = sub.inputs;
      const mi = ctx.producerOf(m);
      if (
        mi !== undefined &&
        sx !== undefined &&
        lastAxisMean(ctx, ctx.node(mi)) &&
        ctx.node(mi).inputs[0] === sx &&
        ctx.soleConsumer(m) === subI
      ) {
        mode = 0;
        x = sx;
        nodes.unshift(mi, subI);
      }
    }
    // The square's input is read by the square and the normalizing Div/Mul (twice by Mul(x, x)).
    const nm = normalized(ctx, es.sqrt, d);
    if (!nm) return;
    nodes.push(...nm.nodes);
    let last = nm.y;
    const y = last.n.outputs[0];
    if (y === undefined) return;
    let gamma: Float64Array = new Float64Array(D).fill(1);
    let gammaName = `${y}.gamma`;
    let beta: Float64Array = new Float64Array(D);
    const mulG = to(ctx, y, "Mul");
    const gName = mulG && other(mulG.n, y);
    const gv = mulG && gName !== undefined ? perChannel(ctx, gName, D, mulG.n) : undefined;
    if (mulG && gName !== undefined && gv) {
      gamma = gv;
      gammaName = gName;
      nodes.push(mulG.i);
      last = mulG;
      if (mode === 0) {
        const addB = to(ctx, last.n.outputs[0], "Add");
        const bName = addB && other(addB.n, last.n.outputs[0]);
        const bv = addB && bName !== undefined ? perChannel(ctx, bName, D, addB.n) : undefined;
        if (addB && bv) {
          beta = bv;
          nodes.push(addB.i);
          last = addB;
        }
      }
    }
    const out = last.n.outputs[0];
    if (out === undefined) return;
    const eps = es.eps;
    const source = ctx.sourceOf(nodes);
    found.set(last.i, {
      nodes,
      lower: (c, at) => emitNorm(c, at, { mode, x, gammaName, gamma, beta, eps, out, source }),
    });
  });
  return found;
};
