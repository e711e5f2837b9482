import { need } from "./arith";

/** Byte copy; 16 bytes at a time in the native build. Regions must not overlap. */
export function copyBytes(dst: usize, src: usize, n: i32): void {
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) for (; i + 16 <= n; i += 16) v128.store(dst + <usize>i, v128.load(src + <usize>i));
  for (; i < n; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
}

export function gather(table: usize, ids: usize, out: usize, V: i32, D: i32, T: i32): void {
  for (let t: i32 = 0; t < T; t++) {
    const id = load<i32>(ids + <usize>(t << 2));
    need(id >= 0 && id < V);
    copyBytes(out + <usize>(t * D), table + <usize>(id * D), D);
  }
}

export function transpose(x: usize, out: usize, R: i32, C: i32, E: i32): void {
  for (let r: i32 = 0; r < R; r++)
    for (let c: i32 = 0; c < C; c++) copyBytes(out + <usize>((c * R + r) * E), x + <usize>((r * C + c) * E), E);
}

export function concat(a: usize, b: usize, out: usize, O: i32, A: i32, B: i32): void {
  for (let o: i32 = 0; o < O; o++) {
    copyBytes(out + <usize>(o * (A + B)), a + <usize>(o * A), A);
    copyBytes(out + <usize>(o * (A + B) + A), b + <usize>(o * B), B);
  }
}

export function slice(x: usize, out: usize, O: i32, I: i32, start: i32, len: i32): void {
  for (let o: i32 = 0; o < O; o++) copyBytes(out + <usize>(o * len), x + <usize>(o * I + start), len);
}
