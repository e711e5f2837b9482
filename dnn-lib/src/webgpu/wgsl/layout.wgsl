// Layout ops (docs/fixed-point.md §3, §3.2): gather, rotary, and the byte movers transpose, concat,
// slice, copy and strided (their elements are bytes: ESIZE 1 whatever the element size E).

fn elem_gather(i: u32) -> i32 {
  let V = prm(0u); let D = uprm(1u);
  let id = i32at(1u, i / D);
  if (id < 0 || id >= V) { trap(E_INDEX); return 0; }
  return i8at(0u, u32(id) * D + i % D);
}
/** Rotate-half pairs (j, j + Dh/2) of x[T][H][Dh] at positions pos0 + t; cos, sin Q14 int16. */
fn elem_rotary(i: u32) -> i32 {
  let T = prm(0u); let H = uprm(1u); let Dh = uprm(2u); let pos0 = prm(3u); let P = prm(4u);
  if (Dh % 2u != 0u || pos0 < 0 || pos0 + T > P) { trap(E_PARAM); return 0; }
  let half = Dh / 2u;
  let j = i % Dh;
  let base = i - j;
  let k = j % half;
  let at = (u32(pos0) + i / (H * Dh)) * half + k;
  let c = i16at(1u, at);
  let s = i16at(2u, at);
  let x1 = i8at(0u, base + k);
  let x2 = i8at(0u, base + k + half);
  let v = select(x2 * c + x1 * s, x1 * c - x2 * s, j < half);
  return sat64(rshr64(from32(v), 14u), -128, 127);
}
/** x[R][C] of E-byte elements into [C][R]. */
fn elem_transpose(i: u32) -> i32 {
  let R = uprm(0u); let C = uprm(1u); let E = uprm(2u);
  let e = i % E;
  let idx = i / E;
  return i32(u8at(0u, ((idx % R) * C + idx / R) * E + e));
}
fn elem_concat(i: u32) -> i32 {
  let A = uprm(1u); let B = uprm(2u);
  let o = i / (A + B);
  let j = i % (A + B);
  if (j < A) { return i32(u8at(0u, o * A + j)); }
  return i32(u8at(1u, o * B + j - A));
}
fn elem_slice(i: u32) -> i32 {
  let I = prm(1u); let start = prm(2u); let len = prm(3u);
  if (start < 0 || len < 1 || start + len > I) { trap(E_PARAM); return 0; }
  return i32(u8at(0u, i / u32(len) * u32(I) + u32(start) + i % u32(len)));
}
fn elem_copy(i: u32) -> i32 { return i32(u8at(0u, i)); }
/** out[i0][i1][i2][i3] = x[i0·st0 + i1·st1 + i2·st2 + i3·st3], E-byte elements. */
fn elem_strided(i: u32) -> i32 {
  let E = uprm(8u);
  let e = i % E;
  var idx = i / E;
  var src = 0u;
  for (var a = 3u; a < 4u; a--) {
    let d = uprm(a);
    src += (idx % d) * uprm(4u + a);
    idx /= d;
  }
  return i32(u8at(0u, src * E + e));
}
