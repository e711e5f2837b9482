// 64-bit integers from 32-bit pieces (WGSL has none): vec2<u32>(low, high), two's complement
// where signed. Exact 32×32→64 products, shifts, comparison, restoring division, the floor square
// root, and docs/fixed-point.md §2's rshr, divr, requant and saturation on top.

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
fn neg64(a: vec2<u32>) -> vec2<u32> { return add64(vec2<u32>(~a.x, ~a.y), vec2<u32>(1u, 0u)); }
fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { return add64(a, neg64(b)); }
fn isneg64(a: vec2<u32>) -> bool { return (a.y & 0x80000000u) != 0u; }
fn abs64(a: vec2<u32>) -> vec2<u32> { return select(a, neg64(a), isneg64(a)); }
fn from32(v: i32) -> vec2<u32> { return vec2<u32>(bitcast<u32>(v), select(0u, 0xffffffffu, v < 0)); }
fn ltu64(a: vec2<u32>, b: vec2<u32>) -> bool { return a.y < b.y || (a.y == b.y && a.x < b.x); }
fn iszero64(a: vec2<u32>) -> bool { return a.x == 0u && a.y == 0u; }
fn uabs32(v: i32) -> u32 { return select(bitcast<u32>(v), 0u - bitcast<u32>(v), v < 0); }

/** Logical shifts, s in [0, 63]. */
fn shr64(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s < 32u) { return vec2<u32>((a.x >> s) | (a.y << (32u - s)), a.y >> s); }
  return vec2<u32>(a.y >> (s - 32u), 0u);
}
fn shl64(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s < 32u) { return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s))); }
  return vec2<u32>(0u, a.x << (s - 32u));
}
/** Arithmetic shift right, s in [0, 63]. */
fn sar64(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (!isneg64(a)) { return shr64(a, s); }
  return ~shr64(~a, s);
}

/** The exact product of two u32 as a u64, from 16-bit pieces. */
fn mulu32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}
/** The exact product of two i32 as an i64. */
fn muli32(a: i32, b: i32) -> vec2<u32> {
  let m = mulu32(uabs32(a), uabs32(b));
  return select(m, neg64(m), (a < 0) != (b < 0));
}

/** Restoring division of u64 by a non-zero u64 below 2^63. */
fn divu64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  var q = vec2<u32>(0u, 0u);
  var r = vec2<u32>(0u, 0u);
  for (var i = 63i; i >= 0i; i--) {
    let bit = select((a.x >> u32(i)) & 1u, (a.y >> u32(i - 32)) & 1u, i >= 32);
    r = vec2<u32>((r.x << 1u) | bit, (r.y << 1u) | (r.x >> 31u));
    if (!ltu64(r, b)) {
      r = sub64(r, b);
      if (i >= 32) { q.y |= 1u << u32(i - 32); } else { q.x |= 1u << u32(i); }
    }
  }
  return q;
}

/** Floor square root of a u64, digit by digit. */
fn isqrt64(v: vec2<u32>) -> vec2<u32> {
  var num = v;
  var res = vec2<u32>(0u, 0u);
  var bit = vec2<u32>(0u, 0x40000000u);
  while (ltu64(num, bit)) { bit = shr64(bit, 2u); if (iszero64(bit)) { break; } }
  while (!iszero64(bit)) {
    let t = add64(res, bit);
    if (!ltu64(num, t)) {
      num = sub64(num, t);
      res = add64(shr64(res, 1u), bit);
    } else {
      res = shr64(res, 1u);
    }
    bit = shr64(bit, 2u);
  }
  return res;
}

/** Round half away from zero of p / 2^s for a signed p with |p| ≤ 2^62, s in [0, 62]. */
fn rshr64(p: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return p; }
  let q = shr64(add64(abs64(p), shl64(vec2<u32>(1u, 0u), s - 1u)), s);
  return select(q, neg64(q), isneg64(p));
}

/** Round half away from zero of a / n, a signed, n > 0 below 2^62. */
fn divr64(a: vec2<u32>, n: vec2<u32>) -> vec2<u32> {
  let q = divu64(add64(shl64(abs64(a), 1u), n), shl64(n, 1u));
  return select(q, neg64(q), isneg64(a));
}

/** A signed i64 clamped to [lo, hi] (both int32). */
fn sat64(v: vec2<u32>, lo: i32, hi: i32) -> i32 {
  if (isneg64(v)) {
    if (v.y != 0xffffffffu || v.x < 0x80000000u) { return lo; }
  } else if (v.y != 0u || v.x >= 0x80000000u) {
    return hi;
  }
  return clamp(bitcast<i32>(v.x), lo, hi);
}

fn checkMult(m: i32) -> bool { if (m < 0) { trap(E_MULT); return false; } return true; }
fn checkShift(s: i32) -> bool { if (s < 0 || s > 62) { trap(E_SHIFT); return false; } return true; }

/** sat(rshr(acc · m, s)) into [lo, hi]: requant (int8) and requant16. */
fn rq(acc: i32, m: i32, s: i32, lo: i32, hi: i32) -> i32 {
  if (!checkMult(m) || !checkShift(s)) { return 0; }
  return sat64(rshr64(muli32(acc, m), u32(s)), lo, hi);
}
fn rq8(acc: i32, m: i32, s: i32) -> i32 { return rq(acc, m, s, -128, 127); }
fn rq16(acc: i32, m: i32, s: i32) -> i32 { return rq(acc, m, s, -32768, 32767); }
