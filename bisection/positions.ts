/**
 * The game's position arithmetic, exactly as contracts/src/game/DisputeGame.sol computes it
 * (uint256 arithmetic, so bigint here). A segment `[lo, hi]` of length `len = hi - lo` is cut into
 * `m = min(k, len)` sub-segments; sub-segment `i` is `[lo + len·i/m, lo + len·(i+1)/m]` (floor
 * division), and the defender's `m-1` intermediate commitments sit at its inner points.
 */
import { BisectionRangeError } from "./errors.ts";

/** Arity bounds of DisputeGame's constructor. */
export const MIN_ARITY = 2n;
export const MAX_ARITY = 64n;
/** Bounds of the step depth D (level 2 covers 2^D steps). */
export const MIN_STEP_DEPTH = 1n;
export const MAX_STEP_DEPTH = 62n;

/** A segment of the current level: the agreed point `lo` and the disputed point `hi`. */
export interface Segment {
  lo: bigint;
  hi: bigint;
}

export function checkArity(k: bigint): void {
  if (k < MIN_ARITY || k > MAX_ARITY) throw new BisectionRangeError("arity k", k, "2 <= k <= 64");
}

export function checkStepDepth(stepDepth: bigint): void {
  if (stepDepth < MIN_STEP_DEPTH || stepDepth > MAX_STEP_DEPTH) {
    throw new BisectionRangeError("step depth D", stepDepth, "1 <= D <= 62");
  }
}

function checkSegment(s: Segment, minLength: bigint): bigint {
  if (s.lo < 0n) throw new BisectionRangeError("segment start", s.lo, ">= 0");
  const len = s.hi - s.lo;
  if (len < minLength)
    throw new BisectionRangeError("segment length", len, `>= ${minLength} (segment [${s.lo}, ${s.hi}])`);
  return len;
}

/** `_segments(len)`: how many sub-segments a segment of `len` is cut into, `min(k, len)`. */
export function segmentsFor(len: bigint, k: bigint): bigint {
  checkArity(k);
  if (len < 0n) throw new BisectionRangeError("segment length", len, ">= 0");
  return len < k ? len : k;
}

/** Point `i` (0 <= i <= m) of a segment cut into m parts: `lo + len·i/m`. */
export function pointOf(s: Segment, k: bigint, i: bigint): bigint {
  const len = checkSegment(s, 1n);
  const m = segmentsFor(len, k);
  if (i < 0n || i > m) throw new BisectionRangeError("point index", i, `0 <= i <= ${m}`);
  return s.lo + (len * i) / m;
}

/**
 * The positions of the `m-1` intermediate commitments the defender posts for a segment of length
 * >= 2 (the phase in which `bisect` is due), in the order `bisect` takes them.
 */
export function intermediatePositions(s: Segment, k: bigint): bigint[] {
  const len = checkSegment(s, 2n);
  const m = segmentsFor(len, k);
  const out: bigint[] = [];
  for (let i = 1n; i < m; i++) out.push(s.lo + (len * i) / m);
  return out;
}

/** The sub-segment `choose(index)` moves to: `[lo + len·index/m, lo + len·(index+1)/m]`. */
export function subSegment(s: Segment, k: bigint, index: bigint): Segment {
  const len = checkSegment(s, 2n);
  const m = segmentsFor(len, k);
  if (index < 0n || index >= m) throw new BisectionRangeError("sub-segment index", index, `0 <= index < ${m}`);
  return { lo: s.lo + (len * index) / m, hi: s.lo + (len * (index + 1n)) / m };
}

/** Level 1 dissects the node range `[0, N]` (N = the model's nodeCount, >= 1). */
export function level1Range(nodeCount: bigint): Segment {
  if (nodeCount < 1n || nodeCount >= 1n << 32n)
    throw new BisectionRangeError("node count N", nodeCount, "1 <= N < 2^32");
  return { lo: 0n, hi: nodeCount };
}

/** Level 2 dissects the step range `[0, 2^D]` of the disputed node. */
export function level2Range(stepDepth: bigint): Segment {
  checkStepDepth(stepDepth);
  return { lo: 0n, hi: 1n << stepDepth };
}

/**
 * `_roundsFor(len)`: rounds to cut a segment of `len` down to 1 when each round keeps the largest
 * part, `ceil(len/m)`; equals `ceil(log_k len)`.
 */
export function roundsFor(len: bigint, k: bigint): bigint {
  let r = 0n;
  while (len > 1n) {
    const m = segmentsFor(len, k);
    len = (len + m - 1n) / m;
    r++;
  }
  return r;
}

/** `maxRounds(N)`: worst-case (bisect, choose) pairs of a game, both levels. */
export function maxRounds(nodeCount: bigint, k: bigint, stepDepth: bigint): bigint {
  checkStepDepth(stepDepth);
  return roundsFor(nodeCount, k) + roundsFor(1n << stepDepth, k);
}
