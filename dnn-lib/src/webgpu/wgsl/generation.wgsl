// genInit (op 29) and genSample (op 30), docs/fixed-point.md §3.3: int32 output words. The state's
// header words: promptLen, maxNew, seed, invTemp, topK, generated, stop, reserved; tokens from 8.

/** Whether a request (operand 0) is one genInit accepts. */
fn validRequest() -> bool {
  let C = prm(0u); let Gmax = prm(1u); let V = prm(2u);
  let promptLen = i32at(0u, 0u); let maxNew = i32at(0u, 1u);
  if (promptLen < 1 || maxNew < 1 || maxNew > Gmax || promptLen + maxNew > C) { return false; }
  let topK = i32at(0u, 4u);
  if (i32at(0u, 3u) < 0 || topK < 0 || topK > V) { return false; }
  for (var i = 0; i < promptLen; i++) {
    let t = i32at(0u, u32(8 + i));
    if (t < 0 || t >= V) { return false; }
  }
  return true;
}
fn elem_genInit(i: u32) -> i32 {
  if (i < 5u) { return i32at(0u, i); }
  let valid = validRequest();
  if (i == 6u) { return select(3, 0, valid); }
  if (i < 8u || !valid || i32(i) - 8 >= i32at(0u, 0u)) { return 0; }
  return i32at(0u, i);
}

fn fmix32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x85ebca6bu;
  x ^= x >> 13u;
  x *= 0xc2b2ae35u;
  x ^= x >> 16u;
  return x;
}
/** exp2[f] >> ip for e = d·invTemp, ip = e >> 16, f = (e >> 8) & 255; 0 when ip is outside [0, 32). */
fn sampleWeight(d: i32, invTemp: i32) -> u32 {
  let e = muli32(d, invTemp);
  let ip = sar64(e, 16u);
  if (isneg64(ip) || ip.y != 0u || ip.x >= 32u) { return 0u; }
  return bitcast<u32>(i32at(2u, (e.x >> 8u) & 0xffu)) >> ip.x;
}
/** Candidate j's weight given the top-K threshold θ; `ties` counts down the candidates at θ. */
fn candidate(l: i32, theta: i32, ties: ptr<function, i32>, mx: i32, invTemp: i32) -> u32 {
  if (l < theta) { return 0u; }
  if (l == theta) {
    let t = *ties;
    *ties = t - 1;
    if (t <= 0) { return 0u; }
  }
  return sampleWeight(mx - l, invTemp);
}
/** The token sampled from the logits (operand 1) with draw u (docs/fixed-point.md §3.3). */
fn sampleToken(V: u32, invTemp: i32, topK: i32, u: u32) -> i32 {
  var mx = i8at(1u, 0u);
  var first = 0u;
  for (var i = 1u; i < V; i++) { let l = i8at(1u, i); if (l > mx) { mx = l; first = i; } }
  if (topK == 1) { return i32(first); }
  var K = u32(topK);
  if (topK <= 0 || u32(topK) >= V) { K = V; }
  var hist: array<u32, 256>;
  for (var i = 0u; i < V; i++) { hist[u32(i8at(1u, i) + 128)] += 1u; }
  var theta = 127;
  var atLeast = hist[255];
  while (atLeast < K) { theta -= 1; atLeast += hist[u32(theta + 128)]; }
  let above = atLeast - hist[u32(theta + 128)];
  var ties = i32(K - above);
  var S = vec2<u32>(0u, 0u);
  for (var i = 0u; i < V; i++) { S = add64(S, vec2<u32>(candidate(i8at(1u, i), theta, &ties, mx, invTemp), 0u)); }
  // goal = ⌊u·S / 2^32⌋ as the reference computes it: (u·(S >> 16) + (u·(S & 0xffff) >> 16)) >> 16 mod 2^64.
  let hi = shr64(S, 16u);
  let A = add64(mulu32(u, hi.x), vec2<u32>(0u, u * hi.y));
  let B = mulu32(u, S.x & 0xffffu);
  let goal = shr64(add64(A, shr64(B, 16u)), 16u);
  ties = i32(K - above);
  var cum = vec2<u32>(0u, 0u);
  for (var i = 0u; i < V; i++) {
    cum = add64(cum, vec2<u32>(candidate(i8at(1u, i), theta, &ties, mx, invTemp), 0u));
    if (ltu64(goal, cum)) { return i32(i); }
  }
  return i32(first);
}
fn elem_genSample(i: u32) -> i32 {
  let V = uprm(1u); let pos = prm(2u); let eos = prm(3u);
  let old = i32at(0u, i);
  if (i32at(0u, 6u) != 0 || pos + 1 < i32at(0u, 0u)) { return old; }
  let at = u32(8 + pos + 1);
  if (i != at && i != 5u && i != 6u) { return old; }
  let u = fmix32(fmix32(bitcast<u32>(i32at(0u, 2u))) + bitcast<u32>(pos) * 0x9e3779b9u);
  let tok = sampleToken(V, i32at(0u, 3u), i32at(0u, 4u), u);
  let generated = i32at(0u, 5u) + 1;
  if (i == at) { return tok; }
  if (i == 5u) { return generated; }
  if (eos >= 0 && tok == eos) { return 1; }
  if (generated == i32at(0u, 1u)) { return 2; }
  return old;
}
