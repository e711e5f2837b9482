// attention (op 13) and attnCache (op 31), docs/fixed-point.md §3: one output element of one query
// row attending to keys and values 0 … pos. Operands: q, k, v, exp. The scores z_j are recomputed
// in each of the three passes (max, sum, weighted values) instead of being stored.

/** z_j = requant(q_row · k_j, mS, sS). */
fn score(qAt: u32, kAt: u32, Dh: u32, qb: u32) -> i32 {
  var acc = 0;
  for (var d = 0u; d < Dh; d++) { acc += i8at(0u, qAt + d) * i8at(1u, kAt + d); }
  return rq8(acc, prm(qb), prm(qb + 1u));
}
/** Output d of the row (the quantization params mS, sS, mO, sO from index qb) at q[qAt …] against key/value rows cache + j·stride, j = 0 … pos. */
fn attend(qAt: u32, cache: u32, stride: u32, Dh: u32, pos: u32, d: u32, qb: u32) -> i32 {
  var mx = -128;
  for (var j = 0u; j <= pos; j++) { mx = max(mx, score(qAt, cache + j * stride, Dh, qb)); }
  var S = vec2<u32>(0u, 0u);
  for (var j = 0u; j <= pos; j++) { S = add64(S, from32(i32at(3u, u32(mx - score(qAt, cache + j * stride, Dh, qb))))); }
  var acc = 0;
  for (var j = 0u; j <= pos; j++) {
    let pi = softmaxOut(i32at(3u, u32(mx - score(qAt, cache + j * stride, Dh, qb))), S);
    acc += pi * i8at(2u, cache + j * stride + d);
  }
  return rq8(acc, prm(qb + 2u), prm(qb + 3u));
}
fn elem_attention(i: u32) -> i32 {
  let Tq = uprm(1u); let Dh = uprm(2u); let Tmax = uprm(3u); let pos0 = prm(4u);
  if (pos0 < 0 || u32(pos0) + Tq > Tmax) { trap(E_PARAM); return 0; }
  let row = i / Dh;
  let h = row / Tq;
  return attend(row * Dh, h * Tmax * Dh, Dh, Dh, u32(pos0) + row % Tq, i % Dh, 5u);
}
fn elem_attnCache(i: u32) -> i32 {
  let H = uprm(0u); let Dh = uprm(1u); let G = uprm(2u); let S = uprm(4u); let pos = uprm(5u);
  let h = i / Dh;
  return attend(h * Dh, h / (H / G) * Dh, S, Dh, pos, i % Dh, 6u);
}
