import { need } from "./arith";

/** Eight bytes from `s` to `d`. */
// @ts-ignore: decorator
@inline
function word(d: usize, s: usize): void {
  store<u64>(d, load<u64>(s));
}

/** Thirty-two bytes from `s` to `d`, as four words (the offsets are the accesses' immediates). */
// @ts-ignore: decorator
@inline
function words4(d: usize, s: usize): void {
  store<u64>(d, load<u64>(s));
  store<u64>(d, load<u64>(s, 8), 8);
  store<u64>(d, load<u64>(s, 16), 16);
  store<u64>(d, load<u64>(s, 24), 24);
}

/** Sixty-four bytes from `s` to `d`, as eight words. */
// @ts-ignore: decorator
@inline
function words8(d: usize, s: usize): void {
  words4(d, s);
  store<u64>(d, load<u64>(s, 32), 32);
  store<u64>(d, load<u64>(s, 40), 40);
  store<u64>(d, load<u64>(s, 48), 48);
  store<u64>(d, load<u64>(s, 56), 56);
}

/**
 * Byte copy; regions must not overlap. The native build moves 16 bytes at a time. The VM build
 * moves 8 (~0.7 VM steps a byte): 64-byte blocks, then the last 64 bytes as eight words that may
 * overlap bytes already copied (they write the same values); a copy of under 64 bytes is a few
 * words (or halves, or one byte) placed from both ends the same way, without a loop.
 */
export function copyBytes(dst: usize, src: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    let i: i32 = 0;
    for (; i + 16 <= n; i += 16) v128.store(dst + <usize>i, v128.load(src + <usize>i));
    for (; i < n; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
    return;
  }
  const len = <usize>n;
  if (n >= 16) {
    if (n >= 64) {
      let d = dst,
        s = src;
      const stop = dst + (len & ~63);
      do {
        words8(d, s);
        d += 64;
        s += 64;
      } while (d < stop);
      words8(dst + len - 64, src + len - 64);
    } else if (n >= 32) {
      words4(dst, src);
      words4(dst + len - 32, src + len - 32);
    } else {
      store<u64>(dst, load<u64>(src));
      store<u64>(dst, load<u64>(src, 8), 8);
      store<u64>(dst + len - 16, load<u64>(src + len - 16));
      store<u64>(dst + len - 16, load<u64>(src + len - 16, 8), 8);
    }
  } else if (n >= 4) {
    if (n >= 8) {
      word(dst, src);
      word(dst + len - 8, src + len - 8);
    } else {
      store<u32>(dst, load<u32>(src));
      store<u32>(dst + len - 4, load<u32>(src + len - 4));
    }
  } else if (n >= 2) {
    store<u16>(dst, load<u16>(src));
    store<u16>(dst + len - 2, load<u16>(src + len - 2));
  } else if (n == 1) {
    store<u8>(dst, load<u8>(src));
  }
}

/**
 * `count` elements of type T, read `step` bytes apart from `src`, written contiguously at `dst`:
 * four per iteration, then one at a time. A contiguous run (`step` = the element size) is a
 * byte copy.
 */
export function gatherElements<T>(dst: usize, src: usize, count: i32, step: usize): void {
  const E = sizeof<T>();
  if (step == E) {
    copyBytes(dst, src, count * <i32>E);
    return;
  }
  let d = dst,
    s = src;
  const end = dst + <usize>count * E;
  const stop = dst + <usize>(count & ~3) * E;
  while (d < stop) {
    store<T>(d, load<T>(s));
    s += step;
    store<T>(d, load<T>(s), E);
    s += step;
    store<T>(d, load<T>(s), 2 * E);
    s += step;
    store<T>(d, load<T>(s), 3 * E);
    s += step;
    d += 4 * E;
  }
  for (; d < end; d += E, s += step) store<T>(d, load<T>(s));
}

export function gather(table: usize, ids: usize, out: usize, V: i32, D: i32, T: i32): void {
  for (let t: i32 = 0; t < T; t++) {
    const id = load<i32>(ids + <usize>(t << 2));
    need(id >= 0 && id < V);
    copyBytes(out + <usize>(t * D), table + <usize>(id * D), D);
  }
}

/** Output row c is column c of x: R elements C·E bytes apart. */
export function transpose(x: usize, out: usize, R: i32, C: i32, E: i32): void {
  const step = <usize>(C * E),
    row = <usize>(R * E);
  let o = out,
    s = x;
  for (let c: i32 = 0; c < C; c++, o += row, s += <usize>E) {
    if (E == 1) gatherElements<u8>(o, s, R, step);
    else if (E == 2) gatherElements<u16>(o, s, R, step);
    else gatherElements<u32>(o, s, R, step);
  }
}

export function concat(a: usize, b: usize, out: usize, O: i32, A: i32, B: i32): void {
  let o = out,
    pa = a,
    pb = b;
  for (let r: i32 = 0; r < O; r++, pa += <usize>A, pb += <usize>B) {
    copyBytes(o, pa, A);
    o += <usize>A;
    copyBytes(o, pb, B);
    o += <usize>B;
  }
}

export function slice(x: usize, out: usize, O: i32, I: i32, start: i32, len: i32): void {
  let o = out,
    s = x + <usize>start;
  for (let r: i32 = 0; r < O; r++, o += <usize>len, s += <usize>I) copyBytes(o, s, len);
}
