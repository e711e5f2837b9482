// The kernel library's entry point: run() reads the node descriptor at
// DESC_ADDR (layout: docs/protocol.md, "Phase-2 node input") and runs its op.
// Op codes and parameter order match dnn-lib/src/ops.ts.
import { need } from "./arith";
import { conv2d, matmul } from "./matmul";
import { requantRows } from "./gemm";
import { add, argmax, lut, mul, pool, relu, requantTensor } from "./elementwise";
import { softmax } from "./softmax";
import { norm } from "./norm";
import { concat, copyBytes, gather, slice, transpose } from "./layout";
import { rotary } from "./rotary";
import { attention, attnCache } from "./attention";
import { DESC, L, header, inAddr, inLen, p, pos } from "./descriptor";
import { runInt16Op } from "./int16Dispatch";
import { genInit, genSample } from "./generation";

/** Bytes of a generation state of context C: 8 header words and C tokens (genInit, genSample). */
function genLen(C: i32): i64 {
  return 4 * (<i64>C + 8);
}

/** The scratch region's address, after checking it holds attention's 2·Tmax bytes (ops 13, 31). */
function scratchOf(Tmax: i32): usize {
  need(<i64>load<u32>(DESC + 132) >= L(2, Tmax));
  return load<u32>(DESC + 128);
}

const VERSION: i32 = 1;

/**
 * The native build's own entry, never a model op (ops.ts has no such code; the VM build has no
 * such branch): requantRows over [acc, bias, mult, shift], params [M, N, S]. NativeRunner's
 * NATIVE_REQUANT_ROWS.
 */
const NATIVE_REQUANT_ROWS: i32 = 0x4e01;

export function run(): void {
  need(load<i32>(DESC) == VERSION);
  const op = load<i32>(DESC + 4);
  const out: usize = load<u32>(DESC + 112);
  if (ASC_FEATURE_SIMD && op == NATIVE_REQUANT_ROWS) {
    // Native build only: a matmul's epilogue over dot products an external GEMM wrote.
    const M = p(0),
      N = p(1),
      S = p(2);
    pos(M, N);
    need(S >= N);
    header(4, L(M, N));
    need(inLen(0) == 4 * (<i64>(M - 1) * <i64>S + <i64>N) && inLen(1) == L(4, N));
    need(inLen(2) == L(4, N) && inLen(3) == L(4, N));
    requantRows(inAddr(0), M, N, S, inAddr(1), inAddr(2), inAddr(3), out);
  } else if (op == 1) {
    const M = p(0),
      N = p(1),
      K = p(2);
    pos(M, N, K);
    header(5, L(M, N));
    need(
      inLen(0) == L(M, K) && inLen(1) == L(N, K) && inLen(2) == L(4, N) && inLen(3) == L(4, N) && inLen(4) == L(4, N),
    );
    matmul(inAddr(0), inAddr(1), inAddr(2), inAddr(3), inAddr(4), out, M, N, K);
  } else if (op == 2) {
    const C = p(0),
      H = p(1),
      W = p(2),
      OC = p(3),
      KH = p(4),
      KW = p(5),
      st = p(6),
      pad = p(7);
    pos(C, H, W, OC);
    pos(KH, KW, st);
    need(pad >= 0 && H + 2 * pad >= KH && W + 2 * pad >= KW);
    const OH = (H + 2 * pad - KH) / st + 1,
      OW = (W + 2 * pad - KW) / st + 1;
    header(5, L(OC, OH, OW));
    need(inLen(0) == L(C, H, W) && inLen(1) == L(OC, C, KH, KW));
    need(inLen(2) == L(4, OC) && inLen(3) == L(4, OC) && inLen(4) == L(4, OC));
    conv2d(inAddr(0), inAddr(1), inAddr(2), inAddr(3), inAddr(4), out, C, H, W, OC, KH, KW, st, pad);
  } else if (op == 3 || op == 4) {
    const C = p(0),
      H = p(1),
      W = p(2),
      K = p(3),
      st = p(4);
    pos(C, H, W);
    pos(K, st);
    need(H >= K && W >= K);
    header(1, L(C, (H - K) / st + 1, (W - K) / st + 1));
    need(inLen(0) == L(C, H, W));
    pool(op - 3, inAddr(0), out, C, H, W, K, st);
  } else if (op == 5 || op == 6) {
    const n = p(0);
    pos(n);
    header(2, L(n));
    need(inLen(0) == L(n) && inLen(1) == L(n));
    if (op == 5) add(inAddr(0), inAddr(1), out, n, p(1), p(2), p(3));
    else mul(inAddr(0), inAddr(1), out, n, p(1), p(2));
  } else if (op == 7) {
    const n = p(0);
    pos(n);
    header(1, L(n));
    need(inLen(0) == L(n));
    relu(inAddr(0), out, n);
  } else if (op == 8) {
    const n = p(0);
    pos(n);
    header(2, L(n));
    need(inLen(0) == L(n) && inLen(1) == 256);
    lut(inAddr(0), inAddr(1), out, n);
  } else if (op == 9) {
    const R = p(0),
      Ln = p(1);
    pos(R, Ln);
    header(2, L(R, Ln));
    need(inLen(0) == L(R, Ln) && inLen(1) == 1024);
    softmax(inAddr(0), inAddr(1), out, R, Ln);
  } else if (op == 10) {
    const R = p(0),
      D = p(1);
    pos(R, D);
    header(3, L(R, D));
    need(inLen(0) == L(R, D) && inLen(1) == L(D) && inLen(2) == L(4, D));
    norm(inAddr(0), inAddr(1), inAddr(2), out, R, D, p(2), p(3), p(4), p(5));
  } else if (op == 11) {
    const V = p(0),
      D = p(1),
      T = p(2);
    pos(V, D, T);
    header(2, L(T, D));
    need(inLen(0) == L(V, D) && inLen(1) == L(4, T));
    gather(inAddr(0), inAddr(1), out, V, D, T);
  } else if (op == 12) {
    const T = p(0),
      H = p(1),
      Dh = p(2),
      pos0 = p(3),
      P = p(4);
    pos(T, H, Dh, P);
    need((Dh & 1) == 0 && pos0 >= 0 && <i64>pos0 + <i64>T <= <i64>P);
    header(3, L(T, H, Dh));
    need(inLen(0) == L(T, H, Dh) && inLen(1) == L(P, Dh) && inLen(2) == L(P, Dh));
    rotary(inAddr(0), inAddr(1), inAddr(2), out, T, H, Dh, pos0);
  } else if (op == 13) {
    const H = p(0),
      Tq = p(1),
      Dh = p(2),
      Tmax = p(3),
      pos0 = p(4);
    pos(H, Tq, Dh, Tmax);
    need(pos0 >= 0 && <i64>pos0 + <i64>Tq <= <i64>Tmax);
    header(4, L(H, Tq, Dh));
    need(inLen(0) == L(H, Tq, Dh) && inLen(1) == L(H, Tmax, Dh) && inLen(2) == L(H, Tmax, Dh) && inLen(3) == 1024);
    const scratch = scratchOf(Tmax);
    attention(inAddr(0), inAddr(1), inAddr(2), inAddr(3), out, scratch, H, Tq, Dh, Tmax, pos0, p(5), p(6), p(7), p(8));
  } else if (op == 14) {
    const R = p(0),
      Ln = p(1);
    pos(R, Ln);
    header(1, L(4, R));
    need(inLen(0) == L(R, Ln));
    argmax(inAddr(0), out, R, Ln);
  } else if (op == 15) {
    const R = p(0),
      C = p(1);
    pos(R, C);
    header(3, L(R, C));
    need(inLen(0) == L(4, R, C) && inLen(1) == L(4, C) && inLen(2) == L(4, C));
    requantTensor(inAddr(0), inAddr(1), inAddr(2), out, R, C);
  } else if (op == 16) {
    const R = p(0),
      C = p(1),
      E = p(2);
    pos(R, C);
    need(E == 1 || E == 2 || E == 4);
    header(1, L(R, C, E));
    need(inLen(0) == L(R, C, E));
    transpose(inAddr(0), out, R, C, E);
  } else if (op == 17) {
    const O = p(0),
      A = p(1),
      B = p(2);
    pos(O);
    need(A >= 0 && B >= 0);
    header(2, L(O) * (<i64>A + <i64>B));
    need(inLen(0) == L(O, A) && inLen(1) == L(O, B));
    concat(inAddr(0), inAddr(1), out, O, A, B);
  } else if (op == 18) {
    const O = p(0),
      I = p(1),
      start = p(2),
      len = p(3);
    pos(O, len);
    need(start >= 0 && <i64>start + <i64>len <= <i64>I);
    header(1, L(O, len));
    need(inLen(0) == L(O, I));
    slice(inAddr(0), out, O, I, start, len);
  } else if (op == 19) {
    const n = p(0);
    pos(n);
    header(1, L(n));
    need(inLen(0) == L(n));
    copyBytes(out, inAddr(0), n);
  } else if (op >= 20 && op <= 28) {
    runInt16Op(op, out);
  } else if (op == 29) {
    const C = p(0),
      Gmax = p(1),
      V = p(2);
    need(C >= 2 && Gmax >= 1 && Gmax < C && V >= 1);
    header(1, genLen(C));
    need(inLen(0) == genLen(C));
    genInit(inAddr(0), out, C, Gmax, V);
  } else if (op == 30) {
    const C = p(0),
      V = p(1),
      ps = p(2),
      eos = p(3);
    need(C >= 2 && V >= 1 && ps >= 0 && ps <= C - 2 && eos >= -1 && eos < V);
    header(3, genLen(C));
    need(inLen(0) == genLen(C) && inLen(1) == <i64>V && inLen(2) == 1024);
    genSample(inAddr(0), inAddr(1), inAddr(2), out, C, V, ps, eos);
  } else if (op == 31) {
    const H = p(0),
      Dh = p(1),
      G = p(2),
      Tmax = p(3),
      S = p(4),
      ps = p(5);
    pos(H, Dh, G, Tmax);
    pos(S);
    need(H % G == 0 && <i64>S >= L(G, Dh) && ps >= 0 && ps < Tmax);
    header(4, L(H, Dh));
    need(inLen(0) == L(H, Dh) && inLen(1) == L(Tmax, S) && inLen(2) == L(Tmax, S) && inLen(3) == 1024);
    const scratch = scratchOf(Tmax);
    attnCache(inAddr(0), inAddr(1), inAddr(2), inAddr(3), out, scratch, H, Dh, G, Tmax, S, ps, p(6), p(7), p(8), p(9));
  } else {
    unreachable();
  }
}
