// Readers of the node descriptor at DESC (layout: docs/protocol.md, "Phase-2 node input")
// and the shape checks every op's dispatch uses.
import { need } from "./arith";

export const DESC: usize = 0x10000;

/** Address of operand j. */
export function inAddr(j: i32): usize {
  return load<u32>(DESC + 16 + <usize>(j << 4));
}
/** Byte length of operand j. */
export function inLen(j: i32): i64 {
  return <i64>load<u32>(DESC + 20 + <usize>(j << 4));
}
/** Positional parameter i. */
export function p(i: i32): i32 {
  return load<i32>(DESC + 144 + <usize>(i << 2));
}
/** The product a·b·c·d in int64. */
export function L(a: i32, b: i32 = 1, c: i32 = 1, d: i32 = 1): i64 {
  return <i64>a * <i64>b * <i64>c * <i64>d;
}

/** Trap unless the descriptor lists n operands, the output has `outLen` bytes and every dim is positive. */
export function header(n: i32, outLen: i64): void {
  need(load<i32>(DESC + 8) == n && outLen > 0 && <i64>load<u32>(DESC + 116) == outLen);
}
export function pos(a: i32, b: i32 = 1, c: i32 = 1, d: i32 = 1): void {
  need(a > 0 && b > 0 && c > 0 && d > 0);
}
