import { divr, sat8 } from "./arith.ts";
import { expectLength } from "./expect.ts";

/** Softmax of one row (docs/fixed-point.md §3): output scale 1/127. */
export function softmaxRow(row: ArrayLike<number>, exp: Int32Array): number[] {
  expectLength("softmax", "exp", exp, 256);
  let mx = -Infinity;
  for (let i = 0; i < row.length; i++) mx = Math.max(mx, row[i]!);
  const e = Array.from(row, (v) => BigInt(exp[mx - v]!)); // int8 rows: 0 ≤ mx − v ≤ 255
  const S = e.reduce((a, b) => a + b, 0n);
  return e.map((ei) => (S > 0n ? sat8(divr(127n * ei, S)) : 0));
}

export function softmax(x: Int8Array, exp: Int32Array, R: number, L: number): Int8Array {
  expectLength("softmax", "x", x, R * L);
  const out = new Int8Array(R * L);
  for (let r = 0; r < R; r++) out.set(softmaxRow(x.subarray(r * L, (r + 1) * L), exp), r * L);
  return out;
}
