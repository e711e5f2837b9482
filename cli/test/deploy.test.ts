import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createTestClient, http, parseEther, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { DeploymentFileError, readDeploymentFile, type DeploymentFile } from "../../chain/deploymentFile.ts";
import { ContractMismatchError } from "../../chain/systemDeployment.ts";
import { SystemParamsError } from "../../chain/systemParams.ts";
import { ModelTermsError } from "../../chain/modelTerms.ts";
import { KeystoreError } from "../../chain/keystore.ts";
import { DeployError, loadArtifact } from "../../chain/deploy.ts";
import { opmlOracleAbi } from "../../sdk/abi.ts";
import { BadInputError } from "../errors.ts";
import { DeployerUnfundedError } from "../deployCommand.ts";
import { KEYSTORE_ADDRESS, KEYSTORE_PASSWORD, PBKDF2_KEYSTORE } from "../../chain/test/keystoreVectors.ts";
import { runOpml } from "./runOpml.ts";

// `opml deploy` and `opml model register`'s terms against an anvil that is not a devnet (chain id
// 17000), signing with an encrypted key file.

let anvil: Anvil;
let dir: string;
let keystore: string;
let password: string;
const pc = () => createPublicClient({ transport: http(anvil.rpcUrl) });

before(async () => {
  anvil = await startAnvil({ chainId: 17000, port: 0 });
  dir = mkdtempSync(join(tmpdir(), "opml-deploy-"));
  keystore = join(dir, "deployer.json");
  password = join(dir, "password.txt");
  writeFileSync(keystore, JSON.stringify(PBKDF2_KEYSTORE));
  writeFileSync(password, `${KEYSTORE_PASSWORD}\n`);
  await createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) }).setBalance({
    address: KEYSTORE_ADDRESS,
    value: parseEther("10"),
  });
});
after(async () => {
  await anvil?.stop();
});

const out = () => join(dir, "deployment.json");
const deploy = (...args: string[]) =>
  runOpml([
    "deploy",
    "--rpc-url",
    anvil.rpcUrl,
    "--keystore",
    keystore,
    "--password-file",
    password,
    "--out",
    out(),
    "--poll-ms",
    "50",
    ...args,
  ]);
/** The full ABIs: the SDK's hold only what the daemons call. */
const gameAbi = () => loadArtifact("DisputeGame").abi;
const oracleAbi = () => loadArtifact("OpmlOracle").abi;
const nonce = () => pc().getTransactionCount({ address: KEYSTORE_ADDRESS });

test("deploy on chain 17000 with a keystore: the four contracts deployed with the given parameters, and the file records them", async () => {
  const r = await deploy("--arity", "8", "--clock-budget", "900", "--burn-bps", "2500", "--json");
  assert.equal(r.error, undefined, String(r.error));
  assert.match(r.err, new RegExp(`Chain 17000 .* deployer ${KEYSTORE_ADDRESS}`), "the plan is reported");
  assert.match(r.err, /k 8, step depth 32, clock 900 s/);
  const file = readDeploymentFile(out());
  assert.equal(file.chainId, 17000);
  assert.deepEqual(Object.keys(file.contracts), ["StepVerifier", "PhaseBoundary", "DisputeGame", "OpmlOracle"]);
  const c = pc();
  for (const address of Object.values(file.contracts)) assert.notEqual(await c.getCode({ address }), undefined);
  const game = file.contracts.DisputeGame!;
  const oracle = file.contracts.OpmlOracle!;
  assert.equal(await c.readContract({ address: game, abi: gameAbi(), functionName: "k" }), 8n);
  assert.equal(await c.readContract({ address: game, abi: gameAbi(), functionName: "clockBudget" }), 900n);
  assert.equal(await c.readContract({ address: oracle, abi: oracleAbi(), functionName: "disputeGame" }), game);
  assert.equal(await c.readContract({ address: oracle, abi: oracleAbi(), functionName: "burnBps" }), 2500n);
  const receipt = await c.getTransactionReceipt({
    hash: (JSON.parse(r.out) as { actions: { tx: `0x${string}` }[] }).actions[0]!.tx,
  });
  assert.equal(BigInt(file.deployedAt), receipt.blockNumber, "deployedAt is the first deployment's block");
  assert.equal(file.params?.k, "8");
});

test("deploy again with the same parameters: every contract reused after its code check, nothing sent", async () => {
  const before = readFileSync(out(), "utf8");
  const n = await nonce();
  const r = await deploy("--arity", "8", "--clock-budget", "900", "--burn-bps", "2500");
  assert.equal(r.error, undefined, String(r.error));
  assert.equal((r.out.match(/reused/g) ?? []).length, 4, r.out);
  assert.equal(await nonce(), n, "no transaction");
  assert.deepEqual(JSON.parse(readFileSync(out(), "utf8")), JSON.parse(before));
});

test("deploy with other parameters over the recorded deployment: ContractMismatchError names DisputeGame and its address; nothing sent", async () => {
  const file = readDeploymentFile(out());
  const n = await nonce();
  const r = await deploy("--arity", "4");
  assert.ok(r.error instanceof ContractMismatchError, String(r.error));
  assert.equal(r.error.contractName, "DisputeGame");
  assert.equal(r.error.address, file.contracts.DisputeGame);
  assert.match(r.error.message, /on chain 17000/);
  assert.equal(await nonce(), n);
});

test("--reuse of an address holding another contract, or no contract, is refused naming the contract and the address", async () => {
  const file = readDeploymentFile(out());
  const other = await deploy("--fresh", "--dry-run", "--reuse", `StepVerifier=${file.contracts.PhaseBoundary}`);
  assert.ok(other.error instanceof ContractMismatchError, String(other.error));
  assert.equal(other.error.contractName, "StepVerifier");
  assert.equal(other.error.address, file.contracts.PhaseBoundary);
  const eoa = await deploy("--fresh", "--dry-run", "--reuse", `StepVerifier=${anvil.accounts[5]!.address}`);
  assert.ok(eoa.error instanceof ContractMismatchError, String(eoa.error));
  assert.match(eoa.error.message, /no contract at that address/);
});

test("--reuse of two contracts, the rest deployed against them; the dry run predicts the addresses the deployment gets", async () => {
  const file = readDeploymentFile(out());
  const fresh = join(dir, "partial.json");
  const reuse = `StepVerifier=${file.contracts.StepVerifier},PhaseBoundary=${file.contracts.PhaseBoundary}`;
  const args = ["--out", fresh, "--reuse", reuse];
  const dry = await deploy(...args, "--dry-run");
  assert.equal(dry.error, undefined, String(dry.error));
  const predicted = [...dry.out.matchAll(/(DisputeGame|OpmlOracle)\s+(0x[0-9a-fA-F]{40})\s+deploy/g)].map((m) => m[2]);
  assert.equal(predicted.length, 2, dry.out);
  const r = await deploy(...args);
  assert.equal(r.error, undefined, String(r.error));
  const partial = readDeploymentFile(fresh);
  assert.equal(partial.contracts.StepVerifier, file.contracts.StepVerifier);
  assert.deepEqual([partial.contracts.DisputeGame, partial.contracts.OpmlOracle], predicted);
  assert.equal(
    await pc().readContract({ address: partial.contracts.DisputeGame!, abi: gameAbi(), functionName: "stepVerifier" }),
    file.contracts.StepVerifier,
  );
});

test("parameters the constructors would refuse are all reported at once, before anything is sent", async () => {
  const n = await nonce();
  const r = await deploy("--fresh", "--arity", "65", "--step-depth", "31", "--clock-budget", "0", "--burn-bps", "500");
  assert.ok(r.error instanceof SystemParamsError, String(r.error));
  assert.equal(r.error.problems.length, 4, r.error.message);
  assert.match(r.error.message, /InvalidArity.*StepDepthBelowStepLimit.*InvalidClock.*BurnShareBelowMinimum/);
  assert.equal(await nonce(), n);
});

test("missing settings are reported together; a wrong keystore password and an unfunded deployer are typed errors", async () => {
  const none = await runOpml(["deploy", "--out", out()]);
  assert.ok(none.error instanceof BadInputError, String(none.error));
  assert.match(none.error.message, /--rpc-url .*; a signing key is needed/);
  const wrong = join(dir, "wrong.txt");
  writeFileSync(wrong, "not the password\n");
  const bad = await runOpml(["deploy", "--rpc-url", anvil.rpcUrl, "--keystore", keystore, "--password-file", wrong]);
  assert.ok(bad.error instanceof KeystoreError, String(bad.error));
  assert.match(bad.error.message, /wrong password/);
  const broke = await runOpml([
    "deploy",
    "--rpc-url",
    anvil.rpcUrl,
    "--private-key",
    "0x" + "42".repeat(32),
    "--out",
    join(dir, "broke.json"),
  ]);
  assert.ok(broke.error instanceof DeployerUnfundedError, String(broke.error));
  assert.match(broke.error.message, /have: 0 wei/);
});

test("a deployment file recording another chain is kept: refused unless --fresh or another --out", async () => {
  const other = join(dir, "other-chain.json");
  const recorded: DeploymentFile = { version: 1, chainId: 1, contracts: {}, deployedAt: 5 };
  writeFileSync(other, JSON.stringify(recorded));
  const r = await deploy("--out", other, "--dry-run");
  assert.ok(r.error instanceof DeploymentFileError, String(r.error));
  assert.match(r.error.message, /chain 1, not on this chain 17000/);
  assert.deepEqual(JSON.parse(readFileSync(other, "utf8")), recorded);
  writeFileSync(other, '{"version":1,"chainId":17000,"deployedAt":1,"contracts":{"OpmlOracle":"0x12"}}');
  assert.throws(() => readDeploymentFile(other), /contracts\.OpmlOracle is not an address/);
});

test("model register on the deployment takes its terms as options, and refuses terms the oracle would refuse, all at once", async () => {
  const file = readDeploymentFile(out());
  const oracle: Address = file.contracts.OpmlOracle!;
  const key = ["--key", anvil.accounts[0]!.privateKey];
  const chain = ["--rpc", anvil.rpcUrl, "--oracle", oracle];
  const bad = await runOpml([
    "model",
    "register",
    "tiny-mlp",
    ...chain,
    ...key,
    "--challenge-window",
    "0",
    "--max-callback-gas",
    "6000000",
    "--submitter-bond",
    "0",
    "--quiet",
  ]);
  assert.ok(bad.error instanceof ModelTermsError, String(bad.error));
  assert.equal(bad.error.problems.length, 3, bad.error.message);
  const r = await runOpml([
    "model",
    "register",
    "tiny-mlp",
    ...chain,
    ...key,
    "--fee",
    "123",
    "--fee-per-callback-gas",
    "7",
    "--submitter-bond",
    "300000000000000000",
    "--challenger-bond",
    "200000000000000000",
    "--challenge-window",
    "3600",
    "--max-callback-gas",
    "250000",
    "--json",
  ]);
  assert.equal(r.error, undefined, String(r.error));
  const { modelId } = JSON.parse(r.out) as { modelId: string };
  const m = await pc().readContract({
    address: oracle,
    abi: opmlOracleAbi,
    functionName: "getModel",
    args: [BigInt(modelId)],
  });
  assert.deepEqual(
    [m.fee, m.feePerCallbackGas, m.submitterBond, m.challengerBond, m.challengeWindow, m.maxCallbackGas],
    [123n, 7n, 3n * 10n ** 17n, 2n * 10n ** 17n, 3600n, 250000],
  );
});

test("a deployer short of funds gets one short DeployError naming it, never the creation code", async () => {
  const key = `0x${"43".repeat(32)}` as const;
  const address = privateKeyToAccount(key).address;
  await createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) }).setBalance({ address, value: 1000n });
  const r = await runOpml(["deploy", "--rpc-url", anvil.rpcUrl, "--private-key", key, "--out", join(dir, "poor.json")]);
  assert.ok(r.error instanceof DeployError, String(r.error));
  assert.match(r.error.message, new RegExp(`exceeds the balance of the account.*deployer ${address}`));
  assert.ok(r.error.message.length < 500, r.error.message);
});
