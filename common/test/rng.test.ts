import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../rng.ts";

/** The draws `u32()` gives from `seed`, as the little-endian bytes `fillBytes` writes. */
function u32Bytes(seed: number, words: number): Uint8Array {
  const r = new Rng(seed);
  const out = new Uint8Array(words * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words; i++) view.setUint32(i * 4, r.u32(), true);
  return out;
}

test("fillBytes writes u32()'s draws, four bytes each, and leaves the generator where u32() would", () => {
  const a = new Rng(7);
  assert.deepEqual(a.fillBytes(new Uint8Array(4000)), u32Bytes(7, 1000));
  const b = new Rng(7);
  for (let i = 0; i < 1000; i++) b.u32();
  assert.equal(a.u32(), b.u32());
});

test("fillBytes fills a length that is not a multiple of 4 and an unaligned view, one draw per tail byte", () => {
  const odd = new Rng(3).fillBytes(new Uint8Array(10));
  const r = new Rng(3);
  const words = u32Bytes(3, 2);
  assert.deepEqual(odd.subarray(0, 8), words);
  r.u32();
  r.u32();
  assert.deepEqual([...odd.subarray(8)], [r.u32() & 0xff, r.u32() & 0xff]);
  const buf = new Uint8Array(9);
  new Rng(3).fillBytes(buf.subarray(1, 9));
  const bytewise = new Rng(3);
  assert.deepEqual(
    [...buf.subarray(1)],
    Array.from({ length: 8 }, () => bytewise.u32() & 0xff),
  );
  assert.equal(buf[0], 0);
});

test("fillBytes replays from its seed, and another seed gives other bytes", () => {
  const n = 1 << 16;
  assert.deepEqual(new Rng(11).fillBytes(new Uint8Array(n)), new Rng(11).fillBytes(new Uint8Array(n)));
  assert.notDeepEqual(new Rng(11).fillBytes(new Uint8Array(n)), new Rng(12).fillBytes(new Uint8Array(n)));
});
