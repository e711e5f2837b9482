// Dispatch of op codes 20..28 (the int16-activation ops and `strided`; dnn-lib/src/ops.ts):
// operand and parameter checks against the descriptor, then the kernel. Any mismatch traps.
import { need } from "./arith";
import { L, header, inAddr, inLen, p, pos } from "./descriptor";
import { add16, cvt16to8, cvt8to16, lut16, matmul16, mul16, relu16, requantTensor16 } from "./int16";
import { strided } from "./strided";

/** Bytes of lut16's table: 257 int16 entries. */
const LUT16_BYTES: i64 = 514;

export function runInt16Op(op: i32, out: usize): void {
  if (op == 20) {
    const R = p(0),
      C = p(1);
    pos(R, C);
    header(3, L(2, R, C));
    need(inLen(0) == L(4, R, C) && inLen(1) == L(4, C) && inLen(2) == L(4, C));
    requantTensor16(inAddr(0), inAddr(1), inAddr(2), out, R, C);
  } else if (op == 21 || op == 22) {
    const n = p(0);
    pos(n);
    header(1, op == 21 ? L(2, n) : L(n));
    need(inLen(0) == (op == 21 ? L(n) : L(2, n)));
    if (op == 21) cvt8to16(inAddr(0), out, n, p(1), p(2));
    else cvt16to8(inAddr(0), out, n, p(1), p(2));
  } else if (op == 23) {
    const M = p(0),
      N = p(1),
      K = p(2);
    pos(M, N, K);
    header(5, L(2, M, N));
    need(inLen(0) == L(2, M, K) && inLen(1) == L(N, K));
    need(inLen(2) == L(4, N) && inLen(3) == L(4, N) && inLen(4) == L(4, N));
    matmul16(inAddr(0), inAddr(1), inAddr(2), inAddr(3), inAddr(4), out, M, N, K);
  } else if (op == 24 || op == 25) {
    const n = p(0);
    pos(n);
    header(2, L(2, n));
    need(inLen(0) == L(2, n) && inLen(1) == L(2, n));
    if (op == 24) add16(inAddr(0), inAddr(1), out, n, p(1), p(2), p(3));
    else mul16(inAddr(0), inAddr(1), out, n, p(1), p(2));
  } else if (op == 26 || op == 27) {
    const n = p(0);
    pos(n);
    header(op == 26 ? 1 : 2, L(2, n));
    need(inLen(0) == L(2, n));
    if (op == 26) relu16(inAddr(0), out, n);
    else {
      need(inLen(1) == LUT16_BYTES);
      lut16(inAddr(0), inAddr(1), out, n);
    }
  } else if (op == 28) {
    const d0 = p(0),
      d1 = p(1),
      d2 = p(2),
      d3 = p(3),
      s0 = p(4),
      s1 = p(5),
      s2 = p(6),
      s3 = p(7),
      E = p(8),
      n = p(9);
    pos(d0, d1, d2, d3);
    pos(n);
    need(s0 >= 0 && s1 >= 0 && s2 >= 0 && s3 >= 0 && (E == 1 || E == 2 || E == 4));
    const last = L(d0 - 1, s0) + L(d1 - 1, s1) + L(d2 - 1, s2) + L(d3 - 1, s3);
    need(last < <i64>n);
    header(1, L(d0, d1, d2, d3) * <i64>E);
    need(inLen(0) == L(n, E));
    strided(inAddr(0), out, d0, d1, d2, d3, s0, s1, s2, s3, E);
  } else {
    unreachable();
  }
}
