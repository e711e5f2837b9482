import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { keccak256 as viemKeccak } from "viem";
import {
  SparseMerkleTree,
  hashNode,
  keccak256,
  zeroHash,
  rootFromLeaf,
  rootFromSubtree,
  verifyLeaf,
  verifySubtree,
  updateLeaf,
  ProofIndexError,
  ProofLengthError,
  RootMismatchError,
  WordSizeError,
  SLOT_DEPTH,
} from "../index.ts";
import { referenceProof, referenceRoot } from "./reference.ts";
import { Rng } from "../../common/rng.ts";

describe("hash", () => {
  test("keccak256 agrees with viem on random inputs of every length up to 300 bytes", () => {
    const r = new Rng(1);
    for (let n = 0; n <= 300; n++) {
      const data = r.bytes(n);
      assert.deepEqual(keccak256(data), viemKeccak(data, "bytes"));
    }
  });
  test("zero hashes chain as Z[h+1] = H(Z[h] ‖ Z[h]) from the zero word", () => {
    assert.deepEqual(zeroHash(0), new Uint8Array(32));
    for (let h = 0; h < 64; h++) assert.deepEqual(zeroHash(h + 1), hashNode(zeroHash(h), zeroHash(h)));
  });
});

describe("SparseMerkleTree", () => {
  test("an empty tree of depth d has root Z[d]", () => {
    for (const d of [0, 1, 5, 20, 40]) assert.deepEqual(new SparseMerkleTree(d).root(), zeroHash(d));
  });

  test("roots and proofs match the dense reference after random writes (fuzz, depth 1..9)", () => {
    for (let seed = 0; seed < 60; seed++) {
      const r = new Rng(seed);
      const depth = 1 + (seed % 9);
      const n = 2 ** depth;
      const tree = new SparseMerkleTree(depth);
      const leaves: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(32));
      const writes = Math.floor(r.next() * n * 2);
      for (let w = 0; w < writes; w++) {
        const i = Math.floor(r.next() * n);
        leaves[i] = r.bytes(32);
        tree.setLeaf(i, leaves[i]);
        if (w % 97 === 0) assert.deepEqual(tree.root(), referenceRoot(leaves), `seed ${seed} write ${w}`);
      }
      const root = tree.root();
      assert.deepEqual(root, referenceRoot(leaves), `seed ${seed}`);
      const i = Math.floor(r.next() * n);
      const proof = tree.proveLeaf(i);
      assert.deepEqual(proof, referenceProof(leaves, i));
      const leaf = leaves[i]!;
      verifyLeaf(root, leaf, i, proof, depth);
      // the same proof yields the root after a write of leaf i
      const fresh = r.bytes(32);
      const expected = updateLeaf(root, leaf, fresh, i, proof, depth);
      tree.setLeaf(i, fresh);
      assert.deepEqual(tree.root(), expected);
    }
  });

  test("subtree roots and subtree proofs match the reference (fuzz)", () => {
    for (let seed = 100; seed < 140; seed++) {
      const r = new Rng(seed);
      const depth = 2 + (seed % 7);
      const tree = new SparseMerkleTree(depth);
      const leaves = Array.from({ length: 2 ** depth }, () => r.bytes(32));
      leaves.forEach((l, i) => tree.setLeaf(i, l));
      const root = tree.root();
      const height = Math.floor(r.next() * (depth + 1));
      const index = Math.floor(r.next() * 2 ** (depth - height));
      const sub = tree.subtreeRoot(index, height);
      assert.deepEqual(sub, referenceRoot(leaves.slice(index * 2 ** height, (index + 1) * 2 ** height)));
      const proof = tree.proveSubtree(index, height);
      assert.equal(proof.length, depth - height);
      assert.deepEqual(rootFromSubtree(sub, index, height, proof), root);
      verifySubtree(root, sub, index, height, proof, depth);
    }
  });

  test("writeBytes across leaf and page boundaries equals setting the leaves", () => {
    const r = new Rng(7);
    for (let c = 0; c < 30; c++) {
      const a = new SparseMerkleTree(16);
      const b = new SparseMerkleTree(16);
      const offset = Math.floor(r.next() * 60000);
      const data = r.bytes(1 + Math.floor(r.next() * 70000));
      a.writeBytes(offset, data);
      const first = Math.floor(offset / 32);
      const last = Math.floor((offset + data.length - 1) / 32);
      const mem = new Uint8Array((last - first + 1) * 32);
      mem.set(data, offset - first * 32);
      for (let l = first; l <= last; l++) b.setLeaf(l, mem.subarray((l - first) * 32, (l - first + 1) * 32));
      assert.deepEqual(a.root(), b.root());
      assert.deepEqual(a.readBytes(offset, data.length), data);
      assert.deepEqual(a.readBytes(first * 32, mem.length), mem);
    }
  });

  test("deep sparse trees (depth 40) agree with a hand-built path", () => {
    const tree = new SparseMerkleTree(40);
    const index = 2 ** 39 + 12345;
    const leaf = keccak256(new Uint8Array([1]));
    tree.setLeaf(index, leaf);
    const proof = tree.proveLeaf(index);
    for (let h = 0; h < 40; h++) assert.deepEqual(proof[h], zeroHash(h));
    assert.deepEqual(tree.root(), rootFromLeaf(leaf, index, proof));
    assert.deepEqual(tree.readBytes(index * 32, 32), leaf);
  });

  test("a write costs one page per level of its path, never 2^depth nodes: a slot tree's first and last slots", () => {
    const tree = new SparseMerkleTree(SLOT_DEPTH);
    const page = 1024 * 32;
    const last = 2 ** SLOT_DEPTH - 1;
    tree.setLeaf(0, keccak256(new Uint8Array([1])));
    tree.setLeaf(last, keccak256(new Uint8Array([2])));
    assert.deepEqual(tree.root(), rootFromLeaf(tree.getLeaf(last), last, tree.proveLeaf(last)));
    assert.ok(tree.storedBytes <= 2 * (SLOT_DEPTH + 1) * page, `${tree.storedBytes} bytes`);
    // Further writes into the pages of those paths (a generation model's caches) allocate nothing.
    const held = tree.storedBytes;
    for (let k = 1; k < 100; k++) tree.setLeaf(last - k, keccak256(new Uint8Array([k])));
    assert.deepEqual(tree.root(), rootFromLeaf(tree.getLeaf(last - 99), last - 99, tree.proveLeaf(last - 99)));
    assert.equal(tree.storedBytes, held);
  });

  test("an incremental root after a few writes equals a root rebuilt from scratch", () => {
    const r = new Rng(9);
    const tree = new SparseMerkleTree(20);
    tree.writeBytes(0, r.bytes(1 << 16));
    tree.root();
    for (let w = 0; w < 50; w++) tree.writeBytes(Math.floor(r.next() * 2 ** 20), r.bytes(7));
    const scratch = new SparseMerkleTree(20);
    scratch.writeBytes(0, tree.readBytes(0, 2 ** 21));
    assert.deepEqual(tree.root(), scratch.root());
  });
});

describe("typed errors", () => {
  const tree = new SparseMerkleTree(8);
  tree.setLeaf(3, keccak256(new Uint8Array([3])));
  const root = tree.root();
  const leaf = tree.getLeaf(3);
  const proof = tree.proveLeaf(3);

  test("a proof of the wrong length throws ProofLengthError with both lengths", () => {
    assert.throws(
      () => verifyLeaf(root, leaf, 3, proof.slice(1), 8),
      (e: unknown) => e instanceof ProofLengthError && e.expected === 8 && e.actual === 7,
    );
  });
  test("a proof checked for the wrong index throws RootMismatchError carrying both roots", () => {
    assert.throws(
      () => verifyLeaf(root, leaf, 2, proof, 8),
      (e: unknown) => e instanceof RootMismatchError && Buffer.from(e.expected).equals(Buffer.from(root)),
    );
  });
  test("an index beyond the tree throws ProofIndexError", () => {
    assert.throws(() => verifyLeaf(root, leaf, 256, proof, 8), ProofIndexError);
    assert.throws(() => tree.proveLeaf(256), ProofIndexError);
    assert.throws(() => tree.setLeaf(-1, leaf), ProofIndexError);
    assert.throws(() => tree.subtreeRoot(2, 7), ProofIndexError);
  });
  test("a subtree height above the tree depth throws ProofIndexError (Solidity: HeightOutOfRange)", () => {
    assert.throws(() => verifySubtree(root, leaf, 0, 9, [], 8), ProofIndexError);
  });
  test("a leaf that is not 32 bytes throws WordSizeError", () => {
    assert.throws(() => tree.setLeaf(0, new Uint8Array(31)), WordSizeError);
  });
  test("a write past the end of the byte view throws ProofIndexError", () => {
    assert.throws(() => tree.writeBytes(256 * 32 - 1, new Uint8Array(2)), ProofIndexError);
  });
});
