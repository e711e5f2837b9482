import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256 as viemKeccak, concat } from "viem";
import {
  SparseMerkleTree,
  SlotTree,
  SLOT_DEPTH,
  domainTag,
  slotLeaf,
  tensorDepth,
  tensorRoot,
  tensorSlotLeaf,
  updateLeaf,
  word,
} from "../index.ts";
import { referenceRoot } from "./reference.ts";
import { Rng } from "../../common/rng.ts";

test("tensorDepth pads the leaf count to a power of two", () => {
  const cases: [number, number][] = [
    [0, 0],
    [1, 0],
    [32, 0],
    [33, 1],
    [64, 1],
    [65, 2],
    [1000, 5],
    [1024, 5],
    [1025, 6],
  ];
  for (const [n, d] of cases) assert.equal(tensorDepth(n), d, `n=${n}`);
});

test("tensor roots match the dense reference over zero-padded leaves", () => {
  const r = new Rng(3);
  for (const n of [0, 1, 31, 32, 33, 63, 64, 65, 100, 1000, 4096, 5000]) {
    const bytes = r.bytes(n);
    const d = tensorDepth(n);
    const padded = new Uint8Array(32 * 2 ** d);
    padded.set(bytes);
    const leaves = Array.from({ length: 2 ** d }, (_, i) => padded.subarray(i * 32, i * 32 + 32));
    assert.deepEqual(tensorRoot(bytes), referenceRoot(leaves), `n=${n}`);
  }
});

test("a tensor stored 32·2^d-aligned in a zeroed memory has its tensor root as subtree root", () => {
  const r = new Rng(4);
  for (let c = 0; c < 20; c++) {
    const n = 1 + Math.floor(r.next() * 3000);
    const bytes = r.bytes(n);
    const d = tensorDepth(n);
    const mem = new SparseMerkleTree(24);
    const slotIndex = Math.floor(r.next() * 2 ** (24 - d));
    mem.writeBytes(slotIndex * 32 * 2 ** d, bytes);
    assert.deepEqual(mem.subtreeRoot(slotIndex, d), tensorRoot(bytes));
  }
});

test("slot leaves are H(bytes32('opml.slot.v1') ‖ root ‖ uint256 length)", () => {
  const root = tensorRoot(new Uint8Array([1, 2, 3]));
  const expected = viemKeccak(concat([domainTag("opml.slot.v1"), root, word(3)]), "bytes");
  assert.deepEqual(slotLeaf(root, 3), expected);
  assert.notDeepEqual(slotLeaf(root, 3), slotLeaf(root, 4));
});

test("writing slot k returns one proof that links the old and the new graph state", () => {
  const s = new SlotTree();
  s.setSlot(0, new Uint8Array([9, 9, 9]));
  const leaf = tensorSlotLeaf(new Uint8Array(100).fill(5));
  const w = s.writeSlot(7, leaf);
  assert.equal(w.proof.length, SLOT_DEPTH);
  assert.deepEqual(w.oldLeaf, new Uint8Array(32));
  assert.deepEqual(updateLeaf(w.oldRoot, w.oldLeaf, w.newLeaf, 7, w.proof, SLOT_DEPTH), w.newRoot);
  assert.deepEqual(s.root(), w.newRoot);
});
