import { expectLength } from "./expect.ts";
import { DnnShapeError } from "../errors.ts";

/** Embedding lookup: out[t] = table[ids[t]] for table[V][D]; an id outside [0, V) is an error. */
export function gather(table: Int8Array, ids: Int32Array, V: number, D: number): Int8Array {
  expectLength("gather", "table", table, V * D);
  const out = new Int8Array(ids.length * D);
  ids.forEach((id, t) => {
    if (id < 0 || id >= V)
      throw new DnnShapeError("gather: id out of range", { details: `ids[${t}] = ${id}, V = ${V}` });
    out.set(table.subarray(id * D, (id + 1) * D), t * D);
  });
  return out;
}

/** Transpose x[R][C] of E-byte elements into [C][R]. */
export function transpose(x: Uint8Array, R: number, C: number, E: number): Uint8Array {
  if (E !== 1 && E !== 2 && E !== 4)
    throw new DnnShapeError("transpose: element size must be 1, 2 or 4", { details: `E = ${E}` });
  expectLength("transpose", "x", x, R * C * E);
  const out = new Uint8Array(x.length);
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) for (let e = 0; e < E; e++) out[(c * R + r) * E + e] = x[(r * C + c) * E + e]!;
  return out;
}

/** Join rows: a[O][A] and b[O][B] (bytes) into out[O][A+B]. */
export function concat(a: Uint8Array, b: Uint8Array, O: number, A: number, B: number): Uint8Array {
  if (A < 0 || B < 0) throw new DnnShapeError("concat: negative width", { details: `A = ${A}, B = ${B}` });
  expectLength("concat", "a", a, O * A);
  expectLength("concat", "b", b, O * B);
  const out = new Uint8Array(O * (A + B));
  for (let o = 0; o < O; o++) {
    out.set(a.subarray(o * A, (o + 1) * A), o * (A + B));
    out.set(b.subarray(o * B, (o + 1) * B), o * (A + B) + A);
  }
  return out;
}

/** out[o] = x[o][start .. start+len) for x[O][I] (bytes). */
export function slice(x: Uint8Array, O: number, I: number, start: number, len: number): Uint8Array {
  if (start < 0 || len < 1 || start + len > I)
    throw new DnnShapeError("slice: range outside the row", { details: `start = ${start}, len = ${len}, I = ${I}` });
  expectLength("slice", "x", x, O * I);
  const out = new Uint8Array(O * len);
  for (let o = 0; o < O; o++) out.set(x.subarray(o * I + start, o * I + start + len), o * len);
  return out;
}
