import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BisectionRangeError,
  intermediatePositions,
  level1Range,
  level2Range,
  maxRounds,
  pointOf,
  roundsFor,
  segmentsFor,
  subSegment,
} from "../index.ts";
import { Rng } from "../../common/rng.ts";

const ARITIES = [2n, 3n, 4n, 5n, 7n, 8n, 16n, 64n];

test("the m sub-segments of a segment tile it exactly: consecutive, each of length floor or ceil of len/m, m = min(k, len)", () => {
  const r = new Rng(1);
  for (const k of ARITIES) {
    for (let t = 0; t < 300; t++) {
      const lo = r.big(1n << 40n);
      const len = 2n + r.big(t % 2 === 0 ? 200n : 1n << 62n);
      const s = { lo, hi: lo + len };
      const m = segmentsFor(len, k);
      assert.equal(m, len < k ? len : k);
      const inner = intermediatePositions(s, k);
      assert.equal(BigInt(inner.length), m - 1n);
      let prev = s.lo;
      for (let i = 0n; i < m; i++) {
        const sub = subSegment(s, k, i);
        assert.equal(sub.lo, prev, "sub-segments are consecutive");
        assert.equal(sub.lo, pointOf(s, k, i));
        if (i < m - 1n) assert.equal(sub.hi, inner[Number(i)]);
        const l = sub.hi - sub.lo;
        assert.ok(l === len / m || l === (len + m - 1n) / m, `part ${l} of ${len}/${m}`);
        prev = sub.hi;
      }
      assert.equal(prev, s.hi, "the last sub-segment ends at hi");
    }
  }
});

test("a segment shorter than k is cut into unit sub-segments, one commitment per inner point", () => {
  assert.deepEqual(intermediatePositions({ lo: 10n, hi: 13n }, 8n), [11n, 12n]);
  assert.deepEqual(subSegment({ lo: 10n, hi: 13n }, 8n, 2n), { lo: 12n, hi: 13n });
  assert.deepEqual(intermediatePositions({ lo: 0n, hi: 2n }, 64n), [1n]);
});

test("positions floor like the contract: [0,7] with k=3 has points 2 and 4, [5,15] with k=4 has 7, 10, 12", () => {
  assert.deepEqual(intermediatePositions({ lo: 0n, hi: 7n }, 3n), [2n, 4n]);
  assert.deepEqual(intermediatePositions({ lo: 5n, hi: 15n }, 4n), [7n, 10n, 12n]);
  assert.deepEqual(subSegment({ lo: 0n, hi: 7n }, 3n, 2n), { lo: 4n, hi: 7n });
});

test("roundsFor(len) = ceil(log_k len), and keeping the largest part for that many rounds reaches length 1", () => {
  const r = new Rng(2);
  for (const k of ARITIES) {
    for (let t = 0; t < 200; t++) {
      const len = 1n + r.big(1n << BigInt(1 + (t % 62)));
      let ceilLog = 0n;
      for (let p = 1n; p < len; p *= k) ceilLog++;
      assert.equal(roundsFor(len, k), ceilLog, `k=${k} len=${len}`);
      let s = { lo: 0n, hi: len };
      let rounds = 0n;
      while (s.hi - s.lo > 1n) {
        const m = segmentsFor(s.hi - s.lo, k);
        s = subSegment(s, k, m - 1n); // the last part is a largest one
        rounds++;
      }
      assert.equal(rounds, roundsFor(len, k));
    }
  }
  assert.equal(maxRounds(7n, 3n, 4n), 2n + 3n);
});

test("level ranges: [0, N] and [0, 2^D]; out-of-range parameters throw BisectionRangeError", () => {
  assert.deepEqual(level1Range(9n), { lo: 0n, hi: 9n });
  assert.deepEqual(level2Range(62n), { lo: 0n, hi: 1n << 62n });
  assert.throws(() => level1Range(0n), BisectionRangeError);
  assert.throws(() => level2Range(0n), BisectionRangeError);
  assert.throws(() => level2Range(63n), BisectionRangeError);
  assert.throws(() => segmentsFor(5n, 1n), BisectionRangeError);
  assert.throws(() => segmentsFor(5n, 65n), BisectionRangeError);
  assert.throws(() => intermediatePositions({ lo: 3n, hi: 4n }, 2n), BisectionRangeError);
  assert.throws(() => subSegment({ lo: 0n, hi: 9n }, 3n, 3n), BisectionRangeError);
  assert.throws(() => subSegment({ lo: 0n, hi: 9n }, 3n, -1n), BisectionRangeError);
});
