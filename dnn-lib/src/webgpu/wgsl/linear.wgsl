// matmul, matmul16, conv2d, requant, requant16 (docs/fixed-point.md §3, §3.1): wrapping int32 sums,
// then one requantization. Operands: x, w, bias, mult, shift; requant's: x, mult, shift.

/** bias[n] + Σ_k x[m][k]·w[n][k]; x of int8 (x16 false) or int16 elements. */
fn linearAcc(m: u32, n: u32, K: u32, x16: bool) -> i32 {
  var acc = i32at(2u, n);
  for (var k = 0u; k < K; k++) {
    let x = select(i8at(0u, m * K + k), i16at(0u, m * K + k), x16);
    acc += x * i8at(1u, n * K + k);
  }
  return acc;
}
fn elem_matmul(i: u32) -> i32 {
  let N = uprm(1u);
  let n = i % N;
  return rq8(linearAcc(i / N, n, uprm(2u), false), i32at(3u, n), i32at(4u, n));
}
fn elem_matmul16(i: u32) -> i32 {
  let N = uprm(1u);
  let n = i % N;
  return rq16(linearAcc(i / N, n, uprm(2u), true), i32at(3u, n), i32at(4u, n));
}
fn elem_conv2d(i: u32) -> i32 {
  let C = prm(0u); let H = prm(1u); let W = prm(2u);
  let KH = prm(4u); let KW = prm(5u); let stride = prm(6u); let pad = prm(7u);
  let OH = (H + 2 * pad - KH) / stride + 1;
  let OW = (W + 2 * pad - KW) / stride + 1;
  let ii = i32(i);
  let o = ii / (OH * OW);
  let y0 = (ii / OW) % OH * stride - pad;
  let z0 = ii % OW * stride - pad;
  var acc = i32at(2u, u32(o));
  for (var c = 0; c < C; c++) {
    for (var u = 0; u < KH; u++) {
      for (var v = 0; v < KW; v++) {
        let y = y0 + u;
        let z = z0 + v;
        if (y >= 0 && y < H && z >= 0 && z < W) {
          acc += i8at(0u, u32((c * H + y) * W + z)) * i8at(1u, u32(((o * C + c) * KH + u) * KW + v));
        }
      }
    }
  }
  return rq8(acc, i32at(3u, u32(o)), i32at(4u, u32(o)));
}
fn elem_requant(i: u32) -> i32 {
  let c = i % uprm(1u);
  return rq8(i32at(0u, i), i32at(1u, c), i32at(2u, c));
}
fn elem_requant16(i: u32) -> i32 {
  let c = i % uprm(1u);
  return rq16(i32at(0u, i), i32at(1u, c), i32at(2u, c));
}
