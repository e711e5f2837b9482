// keccak256 of 64-byte inputs (Merkle nodes), batched: one call hashes a whole
// run of adjacent child pairs, so the per-hash cost is keccak-f alone, with no
// JavaScript ↔ WebAssembly crossing per node. Built by commitment/keccak/build.ts
// into keccakWasm.ts; the round body is keccak-f[1600] unrolled (lanes in locals), in a
// SIMD version that runs two independent pairs in the two i64 lanes of each v128.
// AssemblyScript, --runtime stub; no managed objects.

const RC: usize = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b,
  0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088,
  0x0000000080008009, 0x000000008000000a, 0x000000008000808b, 0x800000000000008b, 0x8000000000008089,
  0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]);

/** Pairs per call. */
export const CAPACITY: u32 = 32768;
/** Where the caller writes inputs (n × 64 bytes) and reads outputs (n × 32 bytes). */
export const IN: usize = 65536;
export const OUT: usize = IN + ((<usize>CAPACITY) << 6);

/** rotl by a constant on both i64 lanes (SIMD has no 64-bit rotate). */
// @ts-ignore: decorator
@inline
function rot2(x: v128, r: i32): v128 {
  return v128.or(i64x2.shl(x, r), i64x2.shr_u(x, 64 - r));
}

/** Two lanes of keccak-f at once: pairs i and i+1 in the low and high i64 lanes. */
function hashTwo(src: usize, dst: usize): void {
  const l0 = v128.load(src, 0);
  const h0 = v128.load(src, 64);
  const l2 = v128.load(src, 16);
  const h2 = v128.load(src, 80);
  const l4 = v128.load(src, 32);
  const h4 = v128.load(src, 96);
  const l6 = v128.load(src, 48);
  const h6 = v128.load(src, 112);
  let a0: v128 = v128.shuffle<u64>(l0, h0, 0, 2);
  let a1: v128 = v128.shuffle<u64>(l0, h0, 1, 3);
  let a2: v128 = v128.shuffle<u64>(l2, h2, 0, 2);
  let a3: v128 = v128.shuffle<u64>(l2, h2, 1, 3);
  let a4: v128 = v128.shuffle<u64>(l4, h4, 0, 2);
  let a5: v128 = v128.shuffle<u64>(l4, h4, 1, 3);
  let a6: v128 = v128.shuffle<u64>(l6, h6, 0, 2);
  let a7: v128 = v128.shuffle<u64>(l6, h6, 1, 3);
  let a8: v128 = i64x2.splat(0x01);
  let a9: v128 = i64x2.splat(0);
  let a10: v128 = i64x2.splat(0);
  let a11: v128 = i64x2.splat(0);
  let a12: v128 = i64x2.splat(0);
  let a13: v128 = i64x2.splat(0);
  let a14: v128 = i64x2.splat(0);
  let a15: v128 = i64x2.splat(0);
  let a16: v128 = i64x2.splat(0x8000000000000000);
  let a17: v128 = i64x2.splat(0);
  let a18: v128 = i64x2.splat(0);
  let a19: v128 = i64x2.splat(0);
  let a20: v128 = i64x2.splat(0);
  let a21: v128 = i64x2.splat(0);
  let a22: v128 = i64x2.splat(0);
  let a23: v128 = i64x2.splat(0);
  let a24: v128 = i64x2.splat(0);
  let b0: v128;
  let b1: v128;
  let b2: v128;
  let b3: v128;
  let b4: v128;
  let b5: v128;
  let b6: v128;
  let b7: v128;
  let b8: v128;
  let b9: v128;
  let b10: v128;
  let b11: v128;
  let b12: v128;
  let b13: v128;
  let b14: v128;
  let b15: v128;
  let b16: v128;
  let b17: v128;
  let b18: v128;
  let b19: v128;
  let b20: v128;
  let b21: v128;
  let b22: v128;
  let b23: v128;
  let b24: v128;
  let c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128;
  for (let round: u32 = 0; round < 24; round++) {
    c0 = v128.xor(v128.xor(v128.xor(a0, a5), v128.xor(a10, a15)), a20);
    c1 = v128.xor(v128.xor(v128.xor(a1, a6), v128.xor(a11, a16)), a21);
    c2 = v128.xor(v128.xor(v128.xor(a2, a7), v128.xor(a12, a17)), a22);
    c3 = v128.xor(v128.xor(v128.xor(a3, a8), v128.xor(a13, a18)), a23);
    c4 = v128.xor(v128.xor(v128.xor(a4, a9), v128.xor(a14, a19)), a24);
    d0 = v128.xor(c4, rot2(c1, 1));
    d1 = v128.xor(c0, rot2(c2, 1));
    d2 = v128.xor(c1, rot2(c3, 1));
    d3 = v128.xor(c2, rot2(c4, 1));
    d4 = v128.xor(c3, rot2(c0, 1));
    b0 = v128.xor(a0, d0);
    b16 = rot2(v128.xor(a5, d0), 36);
    b7 = rot2(v128.xor(a10, d0), 3);
    b23 = rot2(v128.xor(a15, d0), 41);
    b14 = rot2(v128.xor(a20, d0), 18);
    b10 = rot2(v128.xor(a1, d1), 1);
    b1 = rot2(v128.xor(a6, d1), 44);
    b17 = rot2(v128.xor(a11, d1), 10);
    b8 = rot2(v128.xor(a16, d1), 45);
    b24 = rot2(v128.xor(a21, d1), 2);
    b20 = rot2(v128.xor(a2, d2), 62);
    b11 = rot2(v128.xor(a7, d2), 6);
    b2 = rot2(v128.xor(a12, d2), 43);
    b18 = rot2(v128.xor(a17, d2), 15);
    b9 = rot2(v128.xor(a22, d2), 61);
    b5 = rot2(v128.xor(a3, d3), 28);
    b21 = rot2(v128.xor(a8, d3), 55);
    b12 = rot2(v128.xor(a13, d3), 25);
    b3 = rot2(v128.xor(a18, d3), 21);
    b19 = rot2(v128.xor(a23, d3), 56);
    b15 = rot2(v128.xor(a4, d4), 27);
    b6 = rot2(v128.xor(a9, d4), 20);
    b22 = rot2(v128.xor(a14, d4), 39);
    b13 = rot2(v128.xor(a19, d4), 8);
    b4 = rot2(v128.xor(a24, d4), 14);
    a0 = v128.xor(b0, v128.andnot(b2, b1));
    a1 = v128.xor(b1, v128.andnot(b3, b2));
    a2 = v128.xor(b2, v128.andnot(b4, b3));
    a3 = v128.xor(b3, v128.andnot(b0, b4));
    a4 = v128.xor(b4, v128.andnot(b1, b0));
    a5 = v128.xor(b5, v128.andnot(b7, b6));
    a6 = v128.xor(b6, v128.andnot(b8, b7));
    a7 = v128.xor(b7, v128.andnot(b9, b8));
    a8 = v128.xor(b8, v128.andnot(b5, b9));
    a9 = v128.xor(b9, v128.andnot(b6, b5));
    a10 = v128.xor(b10, v128.andnot(b12, b11));
    a11 = v128.xor(b11, v128.andnot(b13, b12));
    a12 = v128.xor(b12, v128.andnot(b14, b13));
    a13 = v128.xor(b13, v128.andnot(b10, b14));
    a14 = v128.xor(b14, v128.andnot(b11, b10));
    a15 = v128.xor(b15, v128.andnot(b17, b16));
    a16 = v128.xor(b16, v128.andnot(b18, b17));
    a17 = v128.xor(b17, v128.andnot(b19, b18));
    a18 = v128.xor(b18, v128.andnot(b15, b19));
    a19 = v128.xor(b19, v128.andnot(b16, b15));
    a20 = v128.xor(b20, v128.andnot(b22, b21));
    a21 = v128.xor(b21, v128.andnot(b23, b22));
    a22 = v128.xor(b22, v128.andnot(b24, b23));
    a23 = v128.xor(b23, v128.andnot(b20, b24));
    a24 = v128.xor(b24, v128.andnot(b21, b20));
    a0 = v128.xor(a0, i64x2.splat(load<u64>(RC + ((<usize>round) << 3))));
  }
  v128.store(dst, v128.shuffle<u64>(a0, a1, 0, 2));
  v128.store(dst, v128.shuffle<u64>(a2, a3, 0, 2), 16);
  v128.store(dst, v128.shuffle<u64>(a0, a1, 1, 3), 32);
  v128.store(dst, v128.shuffle<u64>(a2, a3, 1, 3), 48);
}


/**
 * For i in [0, n): OUT[32i..] = keccak256(IN[64i .. 64i+64)). Pairs go two at a time through
 * the SIMD permutation (hashTwo), an odd last one through the scalar one below.
 */
export function hashPairs(n: u32): void {
  let i: u32 = 0;
  for (; i + 1 < n; i += 2) hashTwo(IN + ((<usize>i) << 6), OUT + ((<usize>i) << 5));
  for (; i < n; i++) {
    const src = IN + ((<usize>i) << 6);
    let a0: u64 = 0;
    let a1: u64 = 0;
    let a2: u64 = 0;
    let a3: u64 = 0;
    let a4: u64 = 0;
    let a5: u64 = 0;
    let a6: u64 = 0;
    let a7: u64 = 0;
    let a8: u64 = 0;
    let a9: u64 = 0;
    let a10: u64 = 0;
    let a11: u64 = 0;
    let a12: u64 = 0;
    let a13: u64 = 0;
    let a14: u64 = 0;
    let a15: u64 = 0;
    let a16: u64 = 0;
    let a17: u64 = 0;
    let a18: u64 = 0;
    let a19: u64 = 0;
    let a20: u64 = 0;
    let a21: u64 = 0;
    let a22: u64 = 0;
    let a23: u64 = 0;
    let a24: u64 = 0;
    let b0: u64 = 0;
    let b1: u64 = 0;
    let b2: u64 = 0;
    let b3: u64 = 0;
    let b4: u64 = 0;
    let b5: u64 = 0;
    let b6: u64 = 0;
    let b7: u64 = 0;
    let b8: u64 = 0;
    let b9: u64 = 0;
    let b10: u64 = 0;
    let b11: u64 = 0;
    let b12: u64 = 0;
    let b13: u64 = 0;
    let b14: u64 = 0;
    let b15: u64 = 0;
    let b16: u64 = 0;
    let b17: u64 = 0;
    let b18: u64 = 0;
    let b19: u64 = 0;
    let b20: u64 = 0;
    let b21: u64 = 0;
    let b22: u64 = 0;
    let b23: u64 = 0;
    let b24: u64 = 0;
    let c0: u64 = 0,
      c1: u64 = 0,
      c2: u64 = 0,
      c3: u64 = 0,
      c4: u64 = 0;
    let d0: u64 = 0,
      d1: u64 = 0,
      d2: u64 = 0,
      d3: u64 = 0,
      d4: u64 = 0;
    a0 = load<u64>(src);
    a1 = load<u64>(src, 8);
    a2 = load<u64>(src, 16);
    a3 = load<u64>(src, 24);
    a4 = load<u64>(src, 32);
    a5 = load<u64>(src, 40);
    a6 = load<u64>(src, 48);
    a7 = load<u64>(src, 56);
    a8 = 0x01; // keccak padding: 0x01 after the 64 message bytes ...
    a16 = 0x8000000000000000; // ... and 0x80 in the last byte of the 136-byte rate
    for (let round: u32 = 0; round < 24; round++) {
      c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
      c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
      c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
      c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
      c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
      d0 = c4 ^ rotl<u64>(c1, 1);
      d1 = c0 ^ rotl<u64>(c2, 1);
      d2 = c1 ^ rotl<u64>(c3, 1);
      d3 = c2 ^ rotl<u64>(c4, 1);
      d4 = c3 ^ rotl<u64>(c0, 1);
      b0 = a0 ^ d0;
      b16 = rotl<u64>(a5 ^ d0, 36);
      b7 = rotl<u64>(a10 ^ d0, 3);
      b23 = rotl<u64>(a15 ^ d0, 41);
      b14 = rotl<u64>(a20 ^ d0, 18);
      b10 = rotl<u64>(a1 ^ d1, 1);
      b1 = rotl<u64>(a6 ^ d1, 44);
      b17 = rotl<u64>(a11 ^ d1, 10);
      b8 = rotl<u64>(a16 ^ d1, 45);
      b24 = rotl<u64>(a21 ^ d1, 2);
      b20 = rotl<u64>(a2 ^ d2, 62);
      b11 = rotl<u64>(a7 ^ d2, 6);
      b2 = rotl<u64>(a12 ^ d2, 43);
      b18 = rotl<u64>(a17 ^ d2, 15);
      b9 = rotl<u64>(a22 ^ d2, 61);
      b5 = rotl<u64>(a3 ^ d3, 28);
      b21 = rotl<u64>(a8 ^ d3, 55);
      b12 = rotl<u64>(a13 ^ d3, 25);
      b3 = rotl<u64>(a18 ^ d3, 21);
      b19 = rotl<u64>(a23 ^ d3, 56);
      b15 = rotl<u64>(a4 ^ d4, 27);
      b6 = rotl<u64>(a9 ^ d4, 20);
      b22 = rotl<u64>(a14 ^ d4, 39);
      b13 = rotl<u64>(a19 ^ d4, 8);
      b4 = rotl<u64>(a24 ^ d4, 14);
      a0 = b0 ^ (~b1 & b2);
      a1 = b1 ^ (~b2 & b3);
      a2 = b2 ^ (~b3 & b4);
      a3 = b3 ^ (~b4 & b0);
      a4 = b4 ^ (~b0 & b1);
      a5 = b5 ^ (~b6 & b7);
      a6 = b6 ^ (~b7 & b8);
      a7 = b7 ^ (~b8 & b9);
      a8 = b8 ^ (~b9 & b5);
      a9 = b9 ^ (~b5 & b6);
      a10 = b10 ^ (~b11 & b12);
      a11 = b11 ^ (~b12 & b13);
      a12 = b12 ^ (~b13 & b14);
      a13 = b13 ^ (~b14 & b10);
      a14 = b14 ^ (~b10 & b11);
      a15 = b15 ^ (~b16 & b17);
      a16 = b16 ^ (~b17 & b18);
      a17 = b17 ^ (~b18 & b19);
      a18 = b18 ^ (~b19 & b15);
      a19 = b19 ^ (~b15 & b16);
      a20 = b20 ^ (~b21 & b22);
      a21 = b21 ^ (~b22 & b23);
      a22 = b22 ^ (~b23 & b24);
      a23 = b23 ^ (~b24 & b20);
      a24 = b24 ^ (~b20 & b21);
      a0 ^= load<u64>(RC + ((<usize>round) << 3));
    }
    const dst = OUT + ((<usize>i) << 5);
    store<u64>(dst, a0);
    store<u64>(dst, a1, 8);
    store<u64>(dst, a2, 16);
    store<u64>(dst, a3, 24);
  }
}
