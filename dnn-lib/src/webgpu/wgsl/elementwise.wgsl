// The element-wise ops, int8 and int16 (docs/fixed-point.md §3, §3.1), and the two pools.

fn addLike(i: u32, b16: bool, lo: i32, hi: i32) -> i32 {
  let mA = prm(1u); let mB = prm(2u); let s = prm(3u);
  if (!checkMult(mA) || !checkMult(mB) || !checkShift(s)) { return 0; }
  let a = select(i8at(0u, i), i16at(0u, i), b16);
  let b = select(i8at(1u, i), i16at(1u, i), b16);
  return sat64(rshr64(add64(muli32(a, mA), muli32(b, mB)), u32(s)), lo, hi);
}
fn mulLike(i: u32, b16: bool, lo: i32, hi: i32) -> i32 {
  let m = prm(1u); let s = prm(2u);
  if (!checkMult(m) || !checkShift(s)) { return 0; }
  let a = select(i8at(0u, i), i16at(0u, i), b16);
  let b = select(i8at(1u, i), i16at(1u, i), b16);
  return sat64(rshr64(muli32(a * b, m), u32(s)), lo, hi);
}
/** cvt8to16 and cvt16to8: sat(rshr(x · m, s)). */
fn cvt(x: i32, lo: i32, hi: i32) -> i32 {
  let m = prm(1u); let s = prm(2u);
  if (!checkMult(m) || !checkShift(s)) { return 0; }
  return sat64(rshr64(muli32(x, m), u32(s)), lo, hi);
}
fn elem_add(i: u32) -> i32 { return addLike(i, false, -128, 127); }
fn elem_add16(i: u32) -> i32 { return addLike(i, true, -32768, 32767); }
fn elem_mul(i: u32) -> i32 { return mulLike(i, false, -128, 127); }
fn elem_mul16(i: u32) -> i32 { return mulLike(i, true, -32768, 32767); }
fn elem_relu(i: u32) -> i32 { return max(i8at(0u, i), 0); }
fn elem_relu16(i: u32) -> i32 { return max(i16at(0u, i), 0); }
fn elem_lut(i: u32) -> i32 { return i8at(1u, u32(i8at(0u, i) + 128)); }
fn elem_cvt8to16(i: u32) -> i32 { return cvt(i8at(0u, i), -32768, 32767); }
fn elem_cvt16to8(i: u32) -> i32 { return cvt(i16at(0u, i), -128, 127); }
/** Interpolated int16 table: t[u >> 8] + rshr((t[u >> 8 + 1] − t[u >> 8]) · (u & 255), 8), u = x + 32768. */
fn elem_lut16(i: u32) -> i32 {
  let u = u32(i16at(0u, i) + 32768);
  let lo = i16at(1u, u >> 8u);
  let d = (i16at(1u, (u >> 8u) + 1u) - lo) * i32(u & 255u);
  return lo + bitcast<i32>(rshr64(from32(d), 8u).x);
}

/** Max or rounded average over a K×K window of x[C][H][W], no padding. */
fn pool(i: u32, avg: bool) -> i32 {
  let H = uprm(1u); let W = uprm(2u); let K = uprm(3u); let stride = uprm(4u);
  let OH = (H - K) / stride + 1;
  let OW = (W - K) / stride + 1;
  let c = i / (OH * OW);
  let y0 = (i / OW) % OH * stride;
  let z0 = i % OW * stride;
  var mx = -128;
  var sum = 0;
  for (var u = 0u; u < K; u++) {
    for (var v = 0u; v < K; v++) {
      let x = i8at(0u, (c * H + y0 + u) * W + z0 + v);
      mx = max(mx, x);
      sum += x;
    }
  }
  if (!avg) { return mx; }
  return bitcast<i32>(divr64(from32(sum), vec2<u32>(K * K, 0u)).x);
}
fn elem_maxpool(i: u32) -> i32 { return pool(i, false); }
fn elem_avgpool(i: u32) -> i32 { return pool(i, true); }
