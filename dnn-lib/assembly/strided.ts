// The rank-4 strided view (docs/fixed-point.md §3.2): out[i0][i1][i2][i3] = x[Σ i_k·st_k], E-byte elements.

export function strided(x: usize, out: usize, d0: i32, d1: i32, d2: i32, d3: i32, s0: i32, s1: i32, s2: i32, s3: i32, E: i32): void {
  let o = out;
  for (let a: i32 = 0; a < d0; a++) {
    for (let b: i32 = 0; b < d1; b++) {
      for (let c: i32 = 0; c < d2; c++) {
        let src = x + <usize>(a * s0 + b * s1 + c * s2) * <usize>E;
        const step = <usize>s3 * <usize>E;
        if (E == 1) {
          for (let e: i32 = 0; e < d3; e++, src += step, o += 1) store<u8>(o, load<u8>(src));
        } else if (E == 2) {
          for (let e: i32 = 0; e < d3; e++, src += step, o += 2) store<u16>(o, load<u16>(src));
        } else {
          for (let e: i32 = 0; e < d3; e++, src += step, o += 4) store<u32>(o, load<u32>(src));
        }
      }
    }
  }
}
