import { rshr, sat8 } from "./arith";

export function rotary(x: usize, cos: usize, sin: usize, out: usize, T: i32, H: i32, Dh: i32, pos0: i32): void {
  const half = Dh >> 1;
  for (let t: i32 = 0; t < T; t++) {
    for (let h: i32 = 0; h < H; h++) {
      const base = (t * H + h) * Dh;
      for (let i: i32 = 0; i < half; i++) {
        const ti = <usize>(((pos0 + t) * half + i) << 1);
        const c = <i64>load<i16>(cos + ti);
        const s = <i64>load<i16>(sin + ti);
        const x1 = <i64>load<i8>(x + <usize>(base + i));
        const x2 = <i64>load<i8>(x + <usize>(base + i + half));
        store<i8>(out + <usize>(base + i), sat8(rshr(x1 * c - x2 * s, 14)));
        store<i8>(out + <usize>(base + i + half), sat8(rshr(x2 * c + x1 * s, 14)));
      }
    }
  }
}
