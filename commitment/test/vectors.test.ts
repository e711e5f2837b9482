import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BaseError, ContractFunctionRevertedError, decodeErrorResult } from "viem";
import { startAnvil } from "../../chain/anvil.ts";
import { devClients } from "../../chain/devClients.ts";
import { DEVNET_CONTRACTS, deployContracts } from "../../chain/deploy.ts";
import { buildVectors, VECTORS_PATH, type CommitmentVectors } from "../tools/writeVectors.ts";
import { SLOT_DEPTH } from "../slotTree.ts";

test("the committed cross-language vectors are exactly what the TypeScript library writes today", () => {
  const committed = readFileSync(VECTORS_PATH, "utf8");
  const fresh = buildVectors();
  // A readable failure: which group changed, before the whole-file comparison.
  const a = JSON.parse(committed) as CommitmentVectors;
  const b = JSON.parse(fresh) as CommitmentVectors;
  for (const key of Object.keys(b) as (keyof CommitmentVectors)[]) {
    assert.deepEqual(a[key], b[key], `vectors group "${key}" is stale: run npx tsx commitment/tools/writeVectors.ts`);
  }
  assert.equal(committed, fresh, "vectors file is stale: run npx tsx commitment/tools/writeVectors.ts");
});

test("the vectors cover the cases the forge replay relies on", () => {
  const v = JSON.parse(buildVectors()) as CommitmentVectors;
  assert.equal(v.zeroHashes.length, 65);
  const depths = new Set(v.leafProofs.map((p) => p.depth));
  for (const d of [0, 20, SLOT_DEPTH, 32, 48]) assert.ok(depths.has(d), `leaf proofs at depth ${d}`);
  const lengths = new Set(v.tensors.map((t) => t.byteLength));
  for (const n of [0, 1, 31, 32, 33, 1000]) assert.ok(lengths.has(n), `tensor of ${n} bytes`);
  assert.equal(v.tensors.find((t) => t.byteLength === 0)?.root, `0x${"00".repeat(32)}`);
  for (const p of v.leafProofs) assert.equal(p.proof.length, p.depth, p.name);
  for (const p of v.subtreeProofs) assert.equal(p.proof.length, p.depth - p.height, p.name);
  assert.ok(v.subtreeWrites.length >= 5, "subtree writes");
  for (const w of v.subtreeWrites) assert.equal(w.proof.length, w.depth - w.height, w.name);
  for (const c of v.composed) {
    // Sorted, aligned, non-overlapping: what Merkle.composeRoot accepts.
    let end = 0;
    c.indices.forEach((index, i) => {
      const height = c.heights[i]!;
      const start = index * 2 ** height;
      assert.ok(start >= end, `${c.name}: subtree ${i} overlaps or is out of order`);
      end = start + 2 ** height;
    });
    assert.ok(end <= 2 ** c.depth, c.name);
  }
  const errors = new Set(v.rejections.map((r) => r.revertData.slice(0, 10)));
  assert.equal(errors.size, 3, "rejections cover ProofLengthMismatch, IndexOutOfRange and RootMismatch");
});

/**
 * The committed vectors replayed through a deployed CommitmentVerifier on a local anvil: the same
 * check forge makes, but through the ABI as off-chain code calls it (viem encoding of proofs,
 * subtree tuples and revert data included).
 */
test("a deployed CommitmentVerifier agrees with every committed vector", { timeout: 240_000 }, async () => {
  const v = JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as CommitmentVectors;
  const spec = DEVNET_CONTRACTS.find((c) => c.name === "CommitmentVerifier");
  assert.ok(spec, "CommitmentVerifier is in the devnet manifest");
  const anvil = await startAnvil();
  try {
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const [deployed] = await deployContracts(clients, [spec]);
    const { address, abi } = deployed!;
    const call = (functionName: string, args: unknown[]) =>
      clients.publicClient.readContract({ address, abi, functionName, args });
    const n = (x: number) => BigInt(x);

    for (let h = 0; h < v.zeroHashes.length; h++) assert.equal(await call("zeroHash", [n(h)]), v.zeroHashes[h]);
    for (const c of v.leafProofs) {
      assert.equal(await call("rootFromLeaf", [c.leaf, n(c.index), c.proof]), c.root, c.name);
      assert.equal(await call("verifyLeaf", [c.root, c.leaf, n(c.index), c.proof, n(c.depth)]), true, c.name);
    }
    for (const c of v.subtreeProofs) {
      assert.equal(await call("rootFromSubtree", [c.subRoot, n(c.index), n(c.height), c.proof]), c.root, c.name);
    }
    for (const c of v.leafWrites) {
      const args = [c.oldRoot, c.oldLeaf, c.newLeaf, n(c.index), c.proof, n(c.depth)];
      assert.equal(await call("updateLeaf", args), c.newRoot, c.name);
    }
    for (const c of v.subtreeWrites) {
      const args = [c.oldRoot, c.oldSubRoot, c.newSubRoot, n(c.index), n(c.height), c.proof, n(c.depth)];
      assert.equal(await call("updateSubtree", args), c.newRoot, c.name);
    }
    for (const c of v.tensors) {
      assert.equal(await call("tensorDepth", [n(c.byteLength)]), n(c.depth), c.name);
      assert.equal(await call("tensorRoot", [c.data]), c.root, c.name);
      assert.equal(await call("tensorSlotLeaf", [c.data]), c.slotLeaf, c.name);
    }
    for (const c of v.slotLeaves) assert.equal(await call("slotLeaf", [c.root, n(c.byteLength)]), c.leaf);
    for (const c of v.composed) {
      const subtrees = c.indices.map((index, i) => ({ index: n(index), height: n(c.heights[i]!), root: c.roots[i]! }));
      assert.equal(await call("composeRoot", [n(c.depth), subtrees]), c.root, c.name);
    }
    const errorNames = new Set<string>();
    for (const c of v.rejections) {
      const args =
        c.height === 0
          ? [c.root, c.node, n(c.index), c.proof, n(c.depth)]
          : [c.root, c.node, n(c.index), n(c.height), c.proof, n(c.depth)];
      const expected = decodeErrorResult({ abi, data: c.revertData });
      errorNames.add(expected.errorName);
      await assert.rejects(call(c.height === 0 ? "verifyLeaf" : "verifySubtree", args), (err: unknown) => {
        const reverted = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
        assert.ok(reverted instanceof ContractFunctionRevertedError, `${c.name}: not a revert: ${String(err)}`);
        assert.equal(reverted.data?.errorName, expected.errorName, c.name);
        assert.deepEqual(reverted.data?.args, expected.args, c.name);
        return true;
      });
    }
    assert.deepEqual([...errorNames].sort(), ["IndexOutOfRange", "ProofLengthMismatch", "RootMismatch"]);
  } finally {
    await anvil.stop();
  }
});
