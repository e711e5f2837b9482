/**
 * MatMul of an activation A[..a, M, K] by a constant B[..b, K, N] with batch dims (numpy
 * broadcasting of ..a against ..b): one `matmul` per output batch (A's batch picked by a `slice`,
 * B's matrix as that matmul's weights, each per channel), the results joined by chained `concat`s
 * on the batch axis. Every part is written at the output's scale, so the concats move bytes.
 */
import { Op } from "../../ops.ts";
import type { OnnxNode } from "../model.ts";
import { emitAxisSlice } from "./emitSlice.ts";
import { emitWeighted } from "./emitWeighted.ts";
import type { LowerContext, TensorRef } from "./LowerContext.ts";
import { prod } from "./prod.ts";
import { transpose2 } from "./transpose2.ts";

/** The flat index into `dims` (right-aligned, an axis of 1 repeating) of output batch `i` of `out`. */
function broadcastIndex(i: number, out: readonly number[], dims: readonly number[]): number {
  let idx = 0;
  let rest = i;
  let stride = 1;
  for (let k = out.length - 1, j = dims.length - 1; k >= 0; k--, j--) {
    const digit = rest % out[k]!;
    rest = Math.floor(rest / out[k]!);
    const d = j >= 0 ? dims[j]! : 1;
    if (d !== 1) idx += digit * stride;
    stride *= d;
  }
  return idx;
}

/** The numpy broadcast of two batch shapes; undefined when they do not broadcast. */
function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < r; k++) {
    const x = a[a.length - r + k] ?? 1;
    const y = b[b.length - r + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

export function emitBatchedMatmul(
  ctx: LowerContext,
  n: OnnxNode,
  B: Float64Array,
  dB: readonly number[],
  bias: Float64Array | undefined,
  out: string,
  source: string,
): void {
  const dA = ctx.inputDims(n);
  const [K, N] = [dB[dB.length - 2]!, dB[dB.length - 1]!];
  if (dA[dA.length - 1] !== K) ctx.unsupported(n, `input inner dimension ${dA[dA.length - 1]} ≠ weight ${K}`);
  const batchA = dA.length > 2 ? dA.slice(0, -2) : [];
  const M = dA.length > 1 ? dA[dA.length - 2]! : 1;
  const batchB = dB.slice(0, -2);
  const batch = broadcastDims(batchA, batchB);
  if (!batch) ctx.unsupported(n, `batch dims [${batchA}] and [${batchB}] do not broadcast`);
  const weight = ctx.input(n, 1);
  const x = ctx.get(ctx.input(n, 0), n);
  const total = prod(batch);
  const sOut = ctx.actScale(out);
  const rowsA = new Map<number, string>();
  let acc: TensorRef | undefined;
  for (let i = 0; i < total; i++) {
    const ia = broadcastIndex(i, batch, batchA);
    let a = rowsA.get(ia);
    if (!a) {
      a = prod(batchA) === 1 ? ctx.input(n, 0) : `${out}.a${ia}`;
      if (prod(batchA) !== 1) emitAxisSlice(ctx, x, [prod(batchA), M * K], 0, ia, 1, a, source);
      rowsA.set(ia, a);
    }
    const ib = broadcastIndex(i, batch, batchB);
    const part = total === 1 ? out : `${out}.batch${i}`;
    if (part !== out) {
      ctx.setDims(part, [M, N]);
      ctx.tieScale(part, sOut);
    }
    const w = transpose2(B.subarray(ib * K * N, (ib + 1) * K * N), K, N);
    const spec = { op: Op.matmul, x: a, weight: `${weight}.${ib}`, w, wShape: [N, K], N, K, bias, out: part, source };
    emitWeighted(ctx, n, { ...spec, params: [M, N, K] });
    const p = ctx.lookup(part)!;
    if (!acc) {
      acc = p;
      continue;
    }
    const name = i === total - 1 ? out : `${out}.upto${i}`;
    if (name !== out) ctx.setDims(name, [(i + 1) * M * N]);
    ctx.emit(Op.concat, [acc.id, p.id], [1, i * M * N, M * N], name, sOut, source);
    acc = ctx.lookup(name)!;
  }
}
