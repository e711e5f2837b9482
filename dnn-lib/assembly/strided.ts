// The rank-4 strided view (docs/fixed-point.md §3.2): out[i0][i1][i2][i3] = x[Σ i_k·st_k], E-byte elements.
import { gatherElements } from "./layout";

export function strided(x: usize, out: usize, d0: i32, d1: i32, d2: i32, d3: i32, s0: i32, s1: i32, s2: i32, s3: i32, E: i32): void {
  let o = out;
  const step = <usize>s3 * <usize>E;
  const row = <usize>d3 * <usize>E;
  for (let a: i32 = 0; a < d0; a++) {
    for (let b: i32 = 0; b < d1; b++) {
      for (let c: i32 = 0; c < d2; c++) {
        const src = x + <usize>(a * s0 + b * s1 + c * s2) * <usize>E;
        if (E == 1) gatherElements<u8>(o, src, d3, step);
        else if (E == 2) gatherElements<u16>(o, src, d3, step);
        else gatherElements<u32>(o, src, d3, step);
        o += row;
      }
    }
  }
}
