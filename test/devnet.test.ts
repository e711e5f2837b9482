import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, concat, getAddress, keccak256, parseEther, toHex, type Hex } from "viem";
import { SLOT_DEPTH, SlotTree, tensorRoot, tensorSlotLeaf } from "../commitment/index.ts";
import {
  AnvilOptionsError,
  AnvilPortInUseError,
  AnvilStartError,
  ANVIL_TEST_MNEMONIC,
  deriveDevAccounts,
  startAnvil,
} from "../chain/anvil.ts";
import { devClients } from "../chain/devClients.ts";
import {
  ArtifactNotFoundError,
  DEVNET_CONTRACTS,
  GAME,
  MODEL_TERMS,
  SYSTEM_CONTRACTS,
  deployArtifact,
  loadArtifact,
  type ForgeArtifact,
} from "../chain/deploy.ts";
import { deployManifest } from "../devnet/deployManifest.ts";
import { REPO_ROOT } from "../chain/foundry.ts";
import { getModel } from "../sdk/index.ts";
import { solcCompile } from "../bisection/test/support/chain.ts";

/** Whether `pid` is a running process (a zombie waiting to be reaped counts as ended). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

/** Waits up to `ms` for `pid` to end; whether it did. */
async function ends(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Compiles one Solidity source with the npm solc (the compiler forge uses here) into an artifact. */
function compile(name: string, source: string): ForgeArtifact {
  const output = solcCompile({
    language: "Solidity",
    sources: { [`${name}.sol`]: { content: source } },
    settings: { outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  });
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  assert.deepEqual(errors, []);
  const c = output.contracts[`${name}.sol`]?.[name];
  assert.ok(c, `solc produced no contract ${name}`);
  return { contractName: name, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, path: "(inline)" };
}

const PAIR_HASHER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
contract PairHasher {
  function hashPair(bytes32 a, bytes32 b) external pure returns (bytes32) { return keccak256(abi.encodePacked(a, b)); }
}`;

test("startAnvil on port 0 serves JSON-RPC on a free port with the requested chain id and the derived, funded dev accounts", async () => {
  const anvil = await startAnvil({ port: 0, chainId: 4242, accounts: 3 });
  try {
    assert.ok(anvil.port > 0);
    assert.equal(anvil.rpcUrl, `http://127.0.0.1:${anvil.port}`);
    const { publicClient } = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    assert.equal(await publicClient.getChainId(), 4242);
    const res = await fetch(anvil.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
    });
    const served = ((await res.json()) as { result: string[] }).result;
    assert.deepEqual(
      served.map((a) => getAddress(a)),
      anvil.accounts.map((a) => a.address),
    );
    assert.equal(anvil.accounts.length, 3);
    for (const a of anvil.accounts)
      assert.ok((await publicClient.getBalance({ address: a.address })) > parseEther("1"));
  } finally {
    await anvil.stop();
  }
});

test("deriveDevAccounts gives Anvil's well-known first account for the standard test mnemonic", () => {
  const [first] = deriveDevAccounts(ANVIL_TEST_MNEMONIC, 1);
  assert.equal(first!.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  assert.equal(first!.privateKey, "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
});

test("two anvils on free ports run at once with separate state", async () => {
  const [a, b] = await Promise.all([startAnvil(), startAnvil()]);
  try {
    assert.notEqual(a.port, b.port);
    const ca = devClients(a.rpcUrl, a.chainId, a.accounts[0]!.privateKey);
    const cb = devClients(b.rpcUrl, b.chainId, b.accounts[0]!.privateKey);
    const hash = await ca.walletClient.sendTransaction({ to: a.accounts[1]!.address, value: parseEther("1") });
    await ca.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(await ca.publicClient.getBlockNumber(), 1n);
    assert.equal(await cb.publicClient.getBlockNumber(), 0n);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("startAnvil on a taken port rejects with AnvilPortInUseError carrying anvil's message, and the first anvil keeps serving", async () => {
  const first = await startAnvil();
  try {
    const err = await startAnvil({ port: first.port }).then(
      () => assert.fail("a second anvil started on a taken port"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AnvilPortInUseError, String(err));
    assert.ok(err instanceof AnvilStartError);
    assert.equal(err.port, first.port);
    assert.match(err.outputTail, /address already in use/i);
    assert.match(err.message, new RegExp(`port ${first.port}`));
    const { publicClient } = devClients(first.rpcUrl, first.chainId, first.accounts[0]!.privateKey);
    assert.equal(await publicClient.getChainId(), first.chainId);
  } finally {
    await first.stop();
  }
});

test("startAnvil rejects out-of-range options with AnvilOptionsError before spawning anything", async () => {
  await assert.rejects(startAnvil({ port: 70000 }), AnvilOptionsError);
  await assert.rejects(startAnvil({ accounts: 0 }), AnvilOptionsError);
  await assert.rejects(startAnvil({ blockTime: -1 }), AnvilOptionsError);
  await assert.rejects(startAnvil({ mnemonic: "too short" }), AnvilOptionsError);
});

test("stop() ends the anvil process, closes its port, and can be called twice", async () => {
  const anvil = await startAnvil();
  assert.ok(isAlive(anvil.pid));
  await anvil.stop();
  await anvil.stop();
  assert.equal(isAlive(anvil.pid), false);
  await assert.rejects(fetch(anvil.rpcUrl, { method: "POST", body: "{}" }));
});

test("an anvil still running when its Node process exits is killed with it", async () => {
  const script = `import { startAnvil } from ${JSON.stringify(join(REPO_ROOT, "chain/anvil.ts"))};
const a = await startAnvil(); console.log(a.pid); process.exit(0);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0, r.stdout);
  assert.ok(await ends(pid), `anvil ${pid} outlived the process that started it`);
});

test("an anvil is killed with its Node process when that process dies of SIGTERM it does not handle", async () => {
  const script = `import { startAnvil } from ${JSON.stringify(join(REPO_ROOT, "chain/anvil.ts"))};
const a = await startAnvil(); console.log(a.pid); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once("exit", (_code, signal) => resolve(signal)),
  );
  const deadline = Date.now() + 30_000;
  while (!/\d+\n/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const pid = Number(stdout.trim());
  assert.ok(pid > 0 && isAlive(pid), `no anvil started: ${stdout}`);
  child.kill("SIGTERM");
  assert.equal(await exited, "SIGTERM", "the process must still die of the signal");
  assert.ok(await ends(pid), `anvil ${pid} outlived the process that started it`);
});

test("deployArtifact deploys compiled bytecode and the contract computes keccak(a‖b) like viem", async () => {
  const artifact = compile("PairHasher", PAIR_HASHER);
  const anvil = await startAnvil();
  try {
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const deployed = await deployArtifact(clients, artifact);
    assert.ok(deployed.gasUsed > 0n);
    const a: Hex = keccak256("0x01");
    const b: Hex = keccak256("0x02");
    const onChain = await clients.publicClient.readContract({
      address: deployed.address,
      abi: artifact.abi,
      functionName: "hashPair",
      args: [a, b],
    });
    assert.equal(onChain, keccak256(concat([a, b])));
  } finally {
    await anvil.stop();
  }
});

test("loadArtifact of a contract forge never built throws ArtifactNotFoundError telling to run forge build", () => {
  assert.throws(
    () => loadArtifact("NoSuchContractAnywhere"),
    (err: unknown) => err instanceof ArtifactNotFoundError && /forge build/.test(err.message),
  );
});

test("deployManifest deploys every manifest contract whose source exists (code on chain), lists the others as missing, and registers the demo model", async () => {
  const anvil = await startAnvil();
  try {
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const { deployed, missing, model } = await deployManifest(clients);
    for (const s of SYSTEM_CONTRACTS) assert.ok(DEVNET_CONTRACTS.includes(s), `${s.name} is in the devnet manifest`);
    for (const name of ["StepVerifier", "PhaseBoundary", "DisputeGame", "OpmlOracle", "ClassifierGate"]) {
      assert.ok(
        deployed.some((d) => d.name === name),
        `${name} deployed`,
      );
    }
    // The demo model is registered on the deployed oracle with the commitment dnn-lib computed, and
    // the example dapp points at that oracle and model.
    assert.ok(model, "the demo model is registered");
    assert.equal(model.modelId, 1n);
    const oracle = deployed.find((d) => d.name === "OpmlOracle")!.address;
    const onChain = await getModel(clients.publicClient, { oracle, modelId: model.modelId });
    assert.equal(onChain.programRoot, bytesToHex(model.compiled.commitment.programRoot));
    assert.equal(onChain.weightsRoot, bytesToHex(model.compiled.commitment.weightsRoot));
    assert.equal(onChain.nodeCount, model.compiled.commitment.nodeCount);
    assert.equal(onChain.submitterBond, MODEL_TERMS.submitterBond);
    const gate = deployed.find((d) => d.name === "ClassifierGate")!;
    const game = deployed.find((d) => d.name === "DisputeGame")!;
    assert.equal(
      await clients.publicClient.readContract({ address: game.address, abi: game.abi, functionName: "k" }),
      GAME.k,
    );
    assert.ok(gate.gasUsed > 0n);
    const expectDeployed = DEVNET_CONTRACTS.filter((c) => existsSync(join(REPO_ROOT, c.source))).map((c) => c.name);
    assert.deepEqual(
      deployed.map((d) => d.name),
      expectDeployed,
    );
    assert.deepEqual(
      missing.map((m) => m.name),
      DEVNET_CONTRACTS.map((c) => c.name).filter((n) => !expectDeployed.includes(n)),
    );
    for (const d of deployed) {
      const code = await clients.publicClient.getCode({ address: d.address });
      assert.ok(code && code.length > 2, `${d.name} has no code at ${d.address}`);
    }
  } finally {
    await anvil.stop();
  }
});

test("the devnet's CommitmentVerifier computes the same tensor root, slot leaf and slot-proof root as the TypeScript library", async (t) => {
  const spec = DEVNET_CONTRACTS.find((c) => c.name === "CommitmentVerifier")!;
  if (!existsSync(join(REPO_ROOT, spec.source))) {
    t.skip(`${spec.source} does not exist yet`);
    return;
  }
  const anvil = await startAnvil();
  try {
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const { deployed } = await deployManifest(clients, [spec]);
    const { address, abi } = deployed[0]!;
    const call = (functionName: string, args: unknown[]) =>
      clients.publicClient.readContract({ address, abi, functionName, args });

    const tensor = new Uint8Array(333).map((_, i) => (i * 7 + 3) & 0xff);
    assert.equal(await call("tensorRoot", [toHex(tensor)]), toHex(tensorRoot(tensor)));
    assert.equal(await call("tensorSlotLeaf", [toHex(tensor)]), toHex(tensorSlotLeaf(tensor)));

    const slots = new SlotTree();
    slots.setSlot(3, tensor);
    slots.setSlot(1000, new Uint8Array([1, 2, 3]));
    const proof = slots.prove(1000).map((s) => toHex(s));
    const leaf = toHex(slots.getSlotLeaf(1000));
    assert.equal(await call("rootFromLeaf", [leaf, 1000n, proof]), toHex(slots.root()));
    assert.equal(await call("verifyLeaf", [toHex(slots.root()), leaf, 1000n, proof, BigInt(SLOT_DEPTH)]), true);
    await assert.rejects(
      call("verifyLeaf", [toHex(slots.root()), leaf, 999n, proof, BigInt(SLOT_DEPTH)]),
      /RootMismatch/,
    );
  } finally {
    await anvil.stop();
  }
});
