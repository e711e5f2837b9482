// Row ops (docs/fixed-point.md §3): softmax, norm, argmax. Each output element recomputes its
// row's statistics (max, sum, variance): no invocation waits for another.

/** sat8(divr(127 · e, S)) for S > 0, else 0: one softmax output from its exp entry and the row's sum. */
fn softmaxOut(e: i32, S: vec2<u32>) -> i32 {
  if (isneg64(S) || iszero64(S)) { return 0; }
  return sat64(divr64(muli32(127, e), S), -128, 127);
}
fn elem_softmax(i: u32) -> i32 {
  let L = uprm(1u);
  let row = i - i % L;
  var mx = -128;
  for (var j = 0u; j < L; j++) { mx = max(mx, i8at(0u, row + j)); }
  var S = vec2<u32>(0u, 0u);
  for (var j = 0u; j < L; j++) { S = add64(S, from32(i32at(1u, u32(mx - i8at(0u, row + j))))); }
  return softmaxOut(i32at(1u, u32(mx - i8at(0u, i))), S);
}

/** layernorm (mode 0) / rmsnorm (mode 1) of a row of x[R][D]. */
fn elem_norm(i: u32) -> i32 {
  let D = prm(1u); let mode = prm(2u); let eps = prm(3u);
  if ((mode != 0 && mode != 1) || eps < 0 || D > 32768) { trap(E_PARAM); return 0; }
  let row = i - i % u32(D);
  var S = 0;
  if (mode == 0) { for (var j = 0u; j < u32(D); j++) { S += i8at(0u, row + j); } }
  var sq = vec2<u32>(0u, 0u);
  for (var j = 0u; j < u32(D); j++) {
    let c = uabs32(D * i8at(0u, row + j) - S);
    sq = add64(sq, mulu32(c, c));
  }
  let root = isqrt64(add64(divu64(sq, vec2<u32>(u32(D), 0u)), vec2<u32>(u32(eps), 0u)));
  var n = 0;
  if (!iszero64(root)) { n = bitcast<i32>(divr64(shl64(from32(D * i8at(0u, i) - S), 12u), root).x); }
  let k = i % u32(D);
  return rq8(n * i8at(1u, k) + i32at(2u, k), prm(4u), prm(5u));
}

/** The first index of the row's maximum (an int32 output). */
fn elem_argmax(i: u32) -> i32 {
  let L = uprm(1u);
  var best = 0u;
  for (var j = 1u; j < L; j++) { if (i8at(0u, i * L + j) > i8at(0u, i * L + best)) { best = j; } }
  return i32(best);
}
