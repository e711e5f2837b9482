/**
 * merkle.root_64mib_s: root of 64 MiB of random memory from scratch;
 * merkle.update_1pct_s: root after 1% of its leaves changed (incremental);
 * merkle.speedup_vs_merkletreejs: our tree against merkletreejs on the same 1 MiB.
 */
import { createRequire } from "node:module";
import { SparseMerkleTree } from "../commitment/SparseMerkleTree.ts";
import { keccak256 } from "../commitment/hash.ts";
import { bytesEqual } from "../commitment/verify.ts";
import { Rng } from "../common/rng.ts";
import { timeIt, fmt, type BenchReport } from "./harness.ts";

const require = createRequire(import.meta.url);

/** Seeded, so that every run hashes the same memory and updates the same leaves. */
const rng = new Rng(0x6d65726b);
const randomBytes = (n: number) => rng.fillBytes(new Uint8Array(n));

export async function bench(): Promise<BenchReport> {
  const size = 64 * 1024 * 1024;
  const depth = 21; // 2^21 leaves × 32 bytes = 64 MiB
  const mem = randomBytes(size);

  let tree = new SparseMerkleTree(depth);
  const t0 = performance.now();
  tree.writeBytes(0, mem);
  tree.root();
  const rootScratch = (performance.now() - t0) / 1000;

  const leaves = 2 ** depth;
  const changed = Math.floor(leaves / 100);
  const word = randomBytes(32);
  let k = 0;
  const update = timeIt(
    () => {
      for (let i = 0; i < changed; i++) {
        word[0] = k++ & 0xff;
        tree.setLeaf(rng.below(leaves), word);
      }
      tree.root();
    },
    0,
    3,
  );
  tree = new SparseMerkleTree(1);

  // Against merkletreejs on 1 MiB (32768 leaves): it hashes every level of a dense tree.
  const { MerkleTree } = require("merkletreejs") as {
    MerkleTree: new (leaves: Buffer[], hash: (b: Buffer) => Buffer) => { getRoot(): Buffer };
  };
  const small = mem.subarray(0, 1 << 20);
  const leafBufs = Array.from({ length: small.length / 32 }, (_, i) =>
    Buffer.from(small.subarray(i * 32, i * 32 + 32)),
  );
  const hashFn = (b: Buffer) => Buffer.from(keccak256(b));
  let theirRoot: Buffer = Buffer.alloc(0);
  const theirs = timeIt(() => {
    theirRoot = new MerkleTree(leafBufs, hashFn).getRoot();
  });
  let ourRoot: Uint8Array = new Uint8Array(0);
  const ours = timeIt(() => {
    const t = new SparseMerkleTree(15);
    t.writeBytes(0, small);
    ourRoot = t.root();
  });
  if (!bytesEqual(ourRoot, theirRoot)) throw new Error("merkletreejs and the project's tree disagree on a 1 MiB root");

  return {
    title: "Merkleization (SparseMerkleTree, depth 21 = 64 MiB)",
    metrics: {
      "merkle.root_64mib_s": rootScratch,
      "merkle.update_1pct_s": update,
      "merkle.update_1pct_vs_scratch": update / rootScratch,
      "merkle.speedup_vs_merkletreejs": theirs / ours,
    },
    rows: [
      ["root of 64 MiB random memory, from scratch", `${fmt(rootScratch)} s`, `${fmt(leaves - 1)} node hashes`],
      ["root after 1% of leaves changed", `${fmt(update)} s`, `${fmt(update / rootScratch)}× the scratch time`],
      ["1 MiB root: project tree", `${fmt(ours * 1000)} ms`, "same root as merkletreejs (checked)"],
      ["1 MiB root: merkletreejs", `${fmt(theirs * 1000)} ms`, `${fmt(theirs / ours)}× slower`],
    ],
    notes: [
      "merkletreejs builds a dense tree of Buffers and has no zero hashes, no aligned-subtree proofs and no " +
        "incremental update; the project's fixed-depth sparse tree is needed for VM memory (2^30+ leaves, mostly empty) " +
        "and is faster on dense data too. merkletreejs is kept as the baseline of this comparison (docs/commitments.md).",
    ],
  };
}
