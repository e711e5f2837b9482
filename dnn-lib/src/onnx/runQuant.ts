/**
 * Runs a QuantGraph node by node with the TypeScript reference
 * (`runReference`), plus the float ↔ integer conversions at its edges and the
 * accuracy measures used against onnxruntime.
 */
import { runReference } from "../reference/runReference.ts";
import { KernelInstance } from "../KernelInstance.ts";
import { buildNodeInput } from "../nodeInput.ts";
import type { KernelFlavor } from "../kernels.ts";
import type { Feeds, FloatTensor } from "./ort.ts";
import { tensorOf, type QuantGraph } from "./QuantGraph.ts";
import { OnnxRunError } from "./errors.ts";
import { quantizeI8 } from "./quantMath.ts";

/** The graph's input bytes for float / int64 feeds: int8 at the input's scale, ids as int32. */
export function quantizeFeeds(g: QuantGraph, feeds: Feeds): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (const inp of g.inputs) {
    const f = feeds[inp.name];
    if (!f) throw new OnnxRunError(`missing input ${inp.name}`);
    if (f.dims.join() !== inp.dims.join())
      throw new OnnxRunError(`input ${inp.name} has the wrong shape`, {
        details: `got [${f.dims}], the graph takes [${inp.dims}]`,
      });
    if (inp.dtype === "i32") {
      if (!(f.data instanceof BigInt64Array)) throw new OnnxRunError(`input ${inp.name} must be int64 ids`);
      const ids = new Int32Array(f.data.length);
      for (let i = 0; i < ids.length; i++) ids[i] = Number(f.data[i]);
      m.set(inp.id, new Uint8Array(ids.buffer));
    } else {
      if (!(f.data instanceof Float32Array)) throw new OnnxRunError(`input ${inp.name} must be float32`);
      const q = quantizeI8(f.data, inp.scale);
      m.set(inp.id, new Uint8Array(q.buffer));
    }
  }
  return m;
}

/** Runs every node with the reference; returns all tensor values by id (inputs, constants, activations). */
export function runQuantGraph(g: QuantGraph, inputs: Map<number, Uint8Array>): Map<number, Uint8Array> {
  const vals = new Map<number, Uint8Array>(inputs);
  for (const t of g.tensors) if (t.kind === "const") vals.set(t.id, t.data!);
  for (const n of g.nodes) {
    const ops = n.inputs.map((id) => {
      const v = vals.get(id);
      if (!v) throw new OnnxRunError(`node ${n.source}: operand ${tensorOf(g, id).name} has no value`);
      return v;
    });
    vals.set(n.output, runReference(n.op, ops, n.params));
  }
  return vals;
}

/** Runs the graph on float feeds and returns each output dequantized (int8 · scale). */
export function runQuantFloat(g: QuantGraph, feeds: Feeds): Record<string, FloatTensor & { q: Int8Array }> {
  const vals = runQuantGraph(g, quantizeFeeds(g, feeds));
  const out: Record<string, FloatTensor & { q: Int8Array }> = {};
  for (const o of g.outputs) {
    const b = vals.get(o.id)!;
    const q = new Int8Array(b.buffer, b.byteOffset, b.byteLength);
    out[o.name] = { dims: o.dims, data: Float32Array.from(q, (v) => v * o.scale), q };
  }
  return out;
}

/** The cosine of two vectors of one length (1 for two zero vectors, 0 for one). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const [ai, bi] = [a[i]!, b[i]!];
    ab += ai * bi;
    aa += ai * ai;
    bb += bi * bi;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : aa === bb ? 1 : 0;
}

/** The first index of the maximum of each row of length L (x holds whole rows). */
export function argmaxRows(x: ArrayLike<number>, L: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * L < x.length; r++) {
    let best = 0;
    for (let i = 1; i < L; i++) if (x[r * L + i]! > x[r * L + best]!) best = i;
    out.push(best);
  }
  return out;
}

/**
 * Runs the graph node by node on a kernel build under V8 (one reused instance, each node's
 * phase-2 input image built and loaded per node — weights are copied every time, so this is a
 * bit-exactness path, not the resident-weights native runner).
 */
export async function runQuantGraphKernels(
  g: QuantGraph,
  inputs: Map<number, Uint8Array>,
  flavor: KernelFlavor = "simd",
  instance?: KernelInstance,
): Promise<Map<number, Uint8Array>> {
  const k = instance ?? (await KernelInstance.create(flavor));
  const vals = new Map<number, Uint8Array>(inputs);
  for (const t of g.tensors) if (t.kind === "const") vals.set(t.id, t.data!);
  for (const n of g.nodes) {
    const image = buildNodeInput({ op: n.op, inputs: n.inputs.map((id) => vals.get(id)!), params: n.params });
    k.load(image);
    k.run();
    vals.set(n.output, k.output(image).slice());
  }
  return vals;
}
