import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { startSystem, MODEL_TERMS, type System } from "../../devnet/test/startSystem.ts";
import { writeDevnetState } from "../../devnet/devnetState.ts";
import { ConfigError } from "../../daemon/config.ts";
import { encryptKeystore, LIGHT_SCRYPT } from "../../chain/keystore.ts";
import { ServedModel } from "../../claim/ServedModel.ts";
import { encodeModel } from "../../dnn-lib/src/model/modelFile.ts";
import { tinyMlp } from "../../dnn-lib/models/tiny.ts";
import { getRequestStatus, opmlOracleAbi } from "../../sdk/index.ts";
import { REPO_ROOT } from "../../chain/foundry.ts";
import { finalizeRequest, submitClaim } from "../../sdk/operator/index.ts";
import { ChainError, InsufficientFundsError } from "../errors.ts";
import { main } from "../opml.ts";
import { runOpml } from "./runOpml.ts";

// One configuration surface for every command: what each command lists, every problem at once,
// typed one-paragraph errors for a wrong chain, oracle, model file, data directory and an unfunded
// key, the deployment and devnet files as fallbacks, keystores and a remote signer, `status` for
// people, `request --wait`.

const BIN = join(REPO_ROOT, "cli", "bin.mjs");
let sys: System;
let dir: string;
const INPUT = bytesToHex(Uint8Array.from({ length: 16 }, (_, i) => i * 3));

before(async () => {
  sys = await startSystem();
  dir = mkdtempSync(join(tmpdir(), "opml-cfg-"));
  writeFileSync(join(dir, "tiny-mlp.opml"), encodeModel(tinyMlp()));
});
after(async () => {
  await sys?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Flags that point a command at the test chain, and at no fallback file. */
const chain = () => [
  "--rpc-url",
  sys.anvil.rpcUrl,
  "--oracle",
  sys.oracle,
  "--deployment",
  join(dir, "none.json"),
  "--state-file",
  join(dir, "none.json"),
];

/** Runs `opml` through main() as the bin does: what it prints on stderr and the exit code. */
async function mainOf(args: string[]): Promise<{ text: string; code: number | undefined }> {
  const printed: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void printed.push(a.join(" "));
  try {
    await main(["node", "opml", ...args]);
  } finally {
    console.error = error;
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { text: printed.join("\n"), code };
}

test("each command lists only its own options: status no key and no daemon flags, request the signers, the daemons all", async () => {
  const help = async (...cmd: string[]) => (await runOpml([...cmd, "--help"])).out;
  const status = await help("status");
  for (const flag of ["--rpc-url", "--oracle", "--deployment", "--state-file", "--json"])
    assert.ok(status.includes(flag), flag);
  for (const flag of ["--private-key", "--keystore", "--poll-ms", "--log-level", "--data-dir", "--from-block"])
    assert.ok(!status.includes(flag), `status lists ${flag}`);
  const request = await help("request");
  for (const flag of ["--private-key", "--keystore", "--password-file", "--signer-url", "--wait"])
    assert.ok(request.includes(flag), flag);
  assert.ok(!request.includes("--poll-ms") && !request.includes("--data-dir"));
  for (const cmd of [
    ["model", "register"],
    ["dispute", "show"],
  ]) {
    const out = await help(...cmd);
    assert.ok(out.includes("--rpc-url") && !/--rpc </.test(out), `${cmd.join(" ")}: --rpc-url, the old --rpc hidden`);
  }
  const submitter = await help("submitter");
  for (const flag of ["--keystore", "--signer-url", "--data-dir", "--poll-ms", "--deployment"])
    assert.ok(submitter.includes(flag));
});

test("a daemon reports every problem of its configuration at once, before touching the chain", async () => {
  const file = join(dir, "a-file");
  writeFileSync(file, "");
  const r = await runOpml([
    "submitter",
    "--state-file",
    join(dir, "none.json"),
    "--deployment",
    join(dir, "none.json"),
    "--rpc-url",
    "http://127.0.0.1:1",
    "--oracle",
    "0xnot",
    "--poll-ms",
    "soon",
    "--private-key",
    "0x12",
    "--keystore",
    join(dir, "missing.json"),
    "--models",
    "1=missing.opml,x",
    "--data-dir",
    file,
  ]);
  assert.ok(r.error instanceof ConfigError, String(r.error));
  const m = r.error.message;
  for (const problem of [
    /8 problems/,
    /pollMs from --poll-ms: expected a non-negative integer, got "soon"/,
    /--oracle 0xnot is not an address/,
    /give one way to sign, not --private-key and --keystore/,
    /the private key is not 32 bytes of 0x hex \(value not shown\)/,
    /the keystore \S+missing\.json is not a file/,
    /the keystore's password is needed: --password-file <file> or env OPML_KEYSTORE_PASSWORD/,
    /missing\.opml \(model 1\): no such file; "x" is not id=path/,
    /--data-dir \S+a-file is a file, not a directory/,
  ])
    assert.match(m, problem);
  assert.ok(!m.includes("0x12"), "no key in the message");
});

test("a wrong or unreachable --rpc-url is one typed paragraph, for a one-shot command and a daemon alike", async () => {
  const nowhere = ["--rpc-url", "http://127.0.0.1:9", "--oracle", sys.oracle, "--state-file", join(dir, "none.json")];
  for (const args of [
    ["status", "1", ...nowhere],
    ["submitter", ...nowhere, "--private-key", generatePrivateKey(), "--data-dir", join(dir, "d")],
  ]) {
    const r = await mainOf(args);
    assert.equal(r.code, 1, args[0]);
    assert.match(
      r.text,
      /^error: cannot reach the chain at http:\/\/127\.0\.0\.1:9\nno JSON-RPC answer to eth_chainId/,
    );
    assert.doesNotMatch(r.text, /^\s+at |HttpRequestError|Request body/m, "no stack, no viem dump");
  }
  const bad = await runOpml(["status", "1", "--rpc-url", "localhost:8545", "--oracle", sys.oracle]);
  assert.match(String(bad.error), /--rpc-url localhost:8545 is not an http\(s\):\/\/ URL/);
});

test("an --oracle that is an EOA, or another contract, is named as such", async () => {
  const eoa = sys.anvil.accounts[5]!.address;
  const r1 = await runOpml(["status", "1", ...chain().slice(0, 2), "--oracle", eoa]);
  assert.ok(r1.error instanceof ChainError);
  assert.match(
    r1.error.message,
    new RegExp(`--oracle ${eoa} is not a contract on chain 31337: it is an account without code \\(an EOA\\)`),
  );
  const r2 = await runOpml(["status", "1", ...chain().slice(0, 2), "--oracle", sys.game]);
  assert.ok(r2.error instanceof ChainError);
  assert.match(r2.error.message, /is a contract but not an OpmlOracle: it does not answer modelCount\(\)/);
});

test("fallbacks: the oracle from the deployment file, the RPC URL from the devnet state file; a deployment of another chain is refused", async () => {
  const deployment = join(dir, "deployment.json");
  const stateFile = join(dir, "devnet.json");
  writeFileSync(
    deployment,
    JSON.stringify({ version: 1, chainId: sys.anvil.chainId, deployedAt: 0, contracts: { OpmlOracle: sys.oracle } }),
  );
  writeDevnetState(
    {
      version: 1,
      rpcUrl: sys.anvil.rpcUrl,
      chainId: sys.anvil.chainId,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      accounts: sys.anvil.accounts.map(({ address, privateKey }) => ({ address, privateKey })),
      contracts: { OpmlOracle: sys.game }, // a wrong oracle: the deployment file must win
      missing: [],
    },
    stateFile,
  );
  const files = ["--deployment", deployment, "--state-file", stateFile];
  // request signs with the devnet's account 0 (the RPC URL is the devnet's), status reads.
  const req = await runOpml(["request", "--model", String(sys.modelId), "--input", INPUT, ...files]);
  assert.equal(req.error, undefined, String(req.error));
  const { requestId } = JSON.parse(req.out) as { requestId: string };
  const st = await runOpml(["status", requestId, "--json", ...files]);
  assert.equal(st.error, undefined, String(st.error));
  assert.equal((JSON.parse(st.out) as { requester: string }).requester, sys.anvil.accounts[0]!.address);

  const shown = await runOpml(["config", "submitter", ...files]);
  assert.match(shown.out, new RegExp(`oracle\\s+= ${sys.oracle}\\s+\\(from ${deployment}\\)`));
  assert.match(
    shown.out,
    new RegExp(`rpcUrl\\s+= ${sys.anvil.rpcUrl.replace(/\./g, "\\.")}\\s+\\(from ${stateFile}\\)`),
  );

  writeFileSync(
    deployment,
    JSON.stringify({ version: 1, chainId: 17000, deployedAt: 0, contracts: { OpmlOracle: sys.oracle } }),
  );
  const other = await runOpml(["status", requestId, ...files]);
  assert.match(String(other.error), /is for chain 17000, but \S+ is chain 31337/);
});

test("an unfunded key: request and submitter name the account, what they need and what it has", async () => {
  const key = generatePrivateKey();
  const address = privateKeyToAddress(key);
  const r = await runOpml([
    "request",
    "--model",
    String(sys.modelId),
    "--input",
    INPUT,
    "--private-key",
    key,
    ...chain(),
  ]);
  assert.ok(r.error instanceof InsufficientFundsError, String(r.error));
  assert.equal(r.error.have, 0n);
  assert.equal(r.error.need, MODEL_TERMS.fee);
  assert.match(r.error.message, new RegExp(`account ${address} has 0 wei, needs ${MODEL_TERMS.fee} wei`));
  const models = `${sys.modelId}=${join(dir, "tiny-mlp.opml")}`;
  const d = await runOpml([
    "submitter",
    ...chain(),
    "--private-key",
    key,
    "--models",
    models,
    "--data-dir",
    join(dir, "s"),
  ]);
  assert.ok(d.error instanceof InsufficientFundsError, String(d.error));
  assert.equal(d.error.need, MODEL_TERMS.submitterBond);
  assert.match(d.error.message, /submitter bond/);
});

test("request signs with a keystore (password from OPML_KEYSTORE_PASSWORD or --password-file) and with a remote signer", async () => {
  const account = sys.anvil.accounts[4]!;
  const keystore = join(dir, "k.json");
  writeFileSync(keystore, JSON.stringify(encryptKeystore(account.privateKey, "pw", { scrypt: LIGHT_SCRYPT })));
  const requester = async (args: string[]) => {
    const r = await runOpml(["request", "--model", String(sys.modelId), "--input", INPUT, ...chain(), ...args]);
    assert.equal(r.error, undefined, String(r.error));
    const { requestId } = JSON.parse(r.out) as { requestId: string };
    const s = await getRequestStatus(sys.clients[0]!.publicClient, {
      oracle: sys.oracle,
      requestId: BigInt(requestId),
    });
    return s.requester;
  };
  process.env.OPML_KEYSTORE_PASSWORD = "pw";
  try {
    assert.equal(await requester(["--keystore", keystore]), account.address);
  } finally {
    delete process.env.OPML_KEYSTORE_PASSWORD;
  }
  const pw = join(dir, "pw");
  writeFileSync(pw, "wrong\n");
  const wrong = await runOpml([
    "request",
    "--model",
    "1",
    "--input",
    INPUT,
    ...chain(),
    "--keystore",
    keystore,
    "--password-file",
    pw,
  ]);
  assert.match(String(wrong.error), /wrong password/);
  writeFileSync(pw, "pw\n");
  assert.equal(await requester(["--keystore", keystore, "--password-file", pw]), account.address);
  // anvil answers eth_signTransaction for its unlocked accounts: a real JSON-RPC signer.
  const remote = sys.anvil.accounts[5]!.address;
  assert.equal(await requester(["--signer-url", sys.anvil.rpcUrl, "--signer-address", remote]), remote);
});

test("status for people: dates, 'finalizes in N s' during the window, then that it ended; --json keeps unix seconds; request --wait prints the result", async () => {
  // A process of its own: runOpml captures console output, which two commands at once would mix.
  const child = spawn(
    process.execPath,
    [BIN, "request", "--model", String(sys.modelId), "--input", INPUT, "--wait", "120", ...chain()],
    { cwd: REPO_ROOT, env: { ...process.env, OPML_PRIVATE_KEY: sys.anvil.accounts[1]!.privateKey } },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const client = sys.clients[0]!.publicClient;
  const count = () => client.readContract({ address: sys.oracle, abi: opmlOracleAbi, functionName: "requestCount" });
  const before = await count();
  let requestId = 0n;
  for (const deadline = Date.now() + 90_000; requestId === 0n && Date.now() < deadline && child.exitCode === null;) {
    const n = await count();
    if (n > before) requestId = n;
    else await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(requestId > 0n, `the request was not sent:\n${out}`);
  const served = await ServedModel.create(sys.compiled);
  const claim = served.claim(Uint8Array.from({ length: 16 }, (_, i) => i * 3));
  await submitClaim(sys.clients[2]!.walletClient, { oracle: sys.oracle, requestId, ...claim });

  const during = await runOpml(["status", String(requestId), ...chain()]);
  assert.equal(during.error, undefined, String(during.error));
  assert.match(during.out, new RegExp(`^Request ${requestId}: claimed$`, "m"));
  assert.match(during.out, /created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  assert.match(during.out, /finalizes in (1 min( \d+ s)?|\d+ s) \(challenge window ends \d{4}-/);
  assert.doesNotMatch(during.out, /\b1[0-9]{9}\b/, "no unix seconds");
  const json = JSON.parse((await runOpml(["status", String(requestId), "--json", ...chain()])).out) as {
    createdAt: string;
  };
  assert.match(json.createdAt, /^\d{10}$/);

  await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
  const ended = await runOpml(["status", String(requestId), ...chain()]);
  assert.match(ended.out, new RegExp(`challenge window ended .* ago\\): \`opml finalize ${requestId}\``));
  await finalizeRequest(sys.clients[3]!.walletClient, { oracle: sys.oracle, requestId });

  assert.equal(await exited, 0, out);
  assert.match(out, new RegExp(`Request ${requestId} sent \\(tx 0x[0-9a-f]{64}\\); waiting for its result`));
  const printed = JSON.parse(out.split("\n").find((l) => l.startsWith("{"))!) as { requestId: string; output: string };
  assert.equal(printed.requestId, String(requestId));
  assert.equal(printed.output, claim.output, "request --wait prints the finalized output");
});
