import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex, createPublicClient, http } from "viem";
import type { CommanderError } from "commander";
import { AnvilPortInUseError, startAnvil } from "../../chain/anvil.ts";
import { readDevnetState } from "../../devnet/devnetState.ts";
import { REPO_ROOT } from "../../chain/foundry.ts";
import { opmlOracleAbi } from "../../sdk/abi.ts";
import { describeChainTimeLag } from "../../sdk/chainTimeLag.ts";
import { decodeModel } from "../../dnn-lib/src/model/modelFile.ts";
import { compileModel } from "../../phase/compileModel.ts";
import { ModelNotFoundError } from "../errors.ts";
import { createProgram, loadAllCommands, main } from "../opml.ts";
import { runOpml } from "./runOpml.ts";

const BIN = join(REPO_ROOT, "cli", "bin.mjs");

function opml(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("the opml bin runs: --help lists every command with a description and examples, nothing marked as planned", () => {
  const r = opml(["--help"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /devnet \[options\]\s+Start a local anvil chain/);
  for (const command of ["model", "dispute", "bench", "request", "status", "finalize", "submitter", "challenger"]) {
    assert.match(r.stdout, new RegExp(`^\\s+${command}\\b.*\\S`, "m"), `${command} is listed`);
  }
  assert.match(r.stdout, /Examples:\n\s+\$ opml devnet/);
  assert.doesNotMatch(r.stdout, /[Pp]lanned|not built yet/);
});

test("opml --version prints package.json's version", () => {
  const r = opml(["--version"]);
  assert.equal(r.status, 0, r.stderr);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  assert.equal(r.stdout.trim(), pkg.version);
});

/** Runs the program in this process; output and commander's exits are captured, not acted on. */
async function opmlInProcess(args: string[]) {
  let out = "";
  let err = "";
  await loadAllCommands();
  const program = createProgram();
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  }
  let error: unknown;
  try {
    await program.parseAsync(["node", "opml", ...args]);
  } catch (e) {
    error = e;
  }
  return { out, err, error };
}

test("opml devnet --help shows the options and examples, and warns that the dev keys are public", async () => {
  const r = await opmlInProcess(["devnet", "--help"]);
  assert.equal((r.error as CommanderError).code, "commander.helpDisplayed");
  for (const flag of ["--port", "--host", "--no-deploy", "--state-file", "--block-time"])
    assert.ok(r.out.includes(flag), flag);
  assert.match(r.out, /0 mines on transactions only/);
  assert.match(r.out, /Examples:\n\s+\$ opml devnet/);
  assert.match(r.out, /public test mnemonic/);
});

test("every command's --help ends with examples; model compile's lists the demo models", async () => {
  const commands = [
    ["devnet"],
    ["deploy"],
    ["model"],
    ["model", "compile"],
    ["model", "inspect"],
    ["model", "register"],
    ["request"],
    ["status"],
    ["finalize"],
    ["submitter"],
    ["challenger"],
    ["config"],
    ["dispute", "show"],
    ["bench"],
  ];
  for (const args of commands) {
    const r = await runOpml([...args, "--help"]);
    assert.match(r.out, /Examples?:\n\s+\$ (OPML_\S+ )?opml /, args.join(" "));
  }
  const compile = await runOpml(["model", "compile", "--help"]);
  for (const name of ["tiny-mlp", "mlp", "cnn", "gpt"])
    assert.match(compile.out, new RegExp(`^\\s+${name}\\s+\\S`, "m"));
});

test("an unknown command is refused as unknown", async () => {
  const r = await opmlInProcess(["train", "mlp"]);
  assert.equal((r.error as CommanderError).code, "commander.unknownCommand");
  assert.match(r.err, /unknown command 'train'/);
});

test("request, status and finalize refuse an id that is not a positive integer, and request a callback gas over uint32, before touching a chain", async () => {
  const key = `0x${"ab".repeat(32)}`;
  const chain = ["--oracle", "0x0000000000000000000000000000000000000001", "--rpc-url", "http://127.0.0.1:1"];
  const cases: [string[], RegExp][] = [
    [
      ["request", ...chain, "--private-key", key, "--model", "mlp", "--input", "0x00"],
      /--model <id>.*'mlp' is invalid\. the model id must be a positive integer/,
    ],
    [["request", ...chain, "--private-key", key, "--model", "0", "--input", "0x00"], /'0' is invalid\. the model id/],
    [
      ["request", ...chain, "--private-key", key, "--model", "1", "--input", "0x00", "--callback-gas", "1e9"],
      /--callback-gas <n>.*'1e9' is invalid\. the callback gas must be an integer in \[0, 2\^32\)/,
    ],
    [
      ["request", ...chain, "--private-key", key, "--model", "1", "--input", "0x00", "--callback-gas", "4294967296"],
      /'4294967296' is invalid/,
    ],
    [
      ["status", "abc", ...chain],
      /'abc' is invalid for argument 'requestId'\. the request id must be a positive integer/,
    ],
    [
      ["finalize", "1.5", ...chain, "--private-key", key],
      /'1\.5' is invalid for argument 'requestId'\. the request id must be a positive integer/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await opmlInProcess(args);
    assert.equal(
      (r.error as CommanderError).code,
      "commander.invalidArgument",
      `${args.join(" ")}: ${String(r.error)}`,
    );
    assert.match(r.err, message, args.join(" "));
    assert.doesNotMatch(r.err, /at Command\./, "no stack trace");
  }
});

test("a chain that does not answer is a ChainError that main() prints plainly, exit code 1, no stack trace", async () => {
  const printed: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void printed.push(a.join(" "));
  const chain = ["--oracle", "0x0000000000000000000000000000000000000001", "--rpc-url", "http://127.0.0.1:1"];
  try {
    await main(["node", "opml", "status", "1", ...chain]);
  } finally {
    console.error = error;
  }
  const code = process.exitCode;
  process.exitCode = undefined;
  assert.equal(code, 1);
  const text = printed.join("\n");
  assert.match(text, /^error: cannot reach the chain at http:\/\/127\.0\.0\.1:1\n/);
  assert.match(text, /is the URL right \(--rpc-url or OPML_RPC_URL\) and the node running\?/);
  assert.doesNotMatch(text, /^\s+at /m, "no stack trace");
});

test("opml devnet --models refuses a name that is not a demo model before starting anything", async () => {
  const r = await opmlInProcess(["devnet", "--models", "mlp,resnet", "--state-file", join(tmpdir(), "unused.json")]);
  assert.ok(r.error instanceof ModelNotFoundError, String(r.error));
  assert.match(r.error.message, /"resnet" is not a demo model[\s\S]*mlp, cnn, gpt/);
});

test("opml devnet rejects a port outside 0..65535 and says why", async () => {
  const r = await opmlInProcess(["devnet", "--port", "70000"]);
  assert.equal((r.error as CommanderError).code, "commander.invalidArgument");
  assert.match(r.err, /port must be an integer in \[0, 65535\]/);
});

test("opml devnet --block-time takes a non-negative number of seconds and says why otherwise", async () => {
  for (const bad of ["-1", "x", "1e3"]) {
    const r = await opmlInProcess(["devnet", "--block-time", bad]);
    assert.equal((r.error as CommanderError).code, "commander.invalidArgument", bad);
    assert.match(r.err, /0: no interval mining/);
  }
});

test("opml devnet --block-time 0 mines on transactions only: no block arrives while nothing is sent", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opml-devnet-"));
  const stateFile = join(dir, "devnet.json");
  const args = [BIN, "devnet", "--port", "0", "--no-deploy", "--block-time", "0", "--state-file", stateFile];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let anvilPid = 0;
  try {
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("Press Ctrl-C to stop")) {
      if (child.exitCode !== null || Date.now() > deadline) assert.fail(`opml devnet did not come up:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = readDevnetState(stateFile);
    anvilPid = state.pid;
    assert.equal(state.blockTime, undefined);
    assert.match(stdout, /mining\s+a block per transaction only/);
    assert.doesNotMatch(stdout, /opml submitter/, "no oracle, no daemon commands");
    const client = createPublicClient({ transport: http(state.rpcUrl) });
    const before = await client.getBlockNumber({ cacheTime: 0 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await client.getBlockNumber({ cacheTime: 0 }), before);
    child.kill("SIGINT");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    if (anvilPid && isAlive(anvilPid)) process.kill(anvilPid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("opml devnet on a port already taken fails with AnvilPortInUseError, and main() prints it and sets exit code 1", async () => {
  const other = await startAnvil();
  try {
    const args = ["devnet", "--port", String(other.port), "--no-deploy", "--state-file", join(tmpdir(), "unused.json")];
    const r = await opmlInProcess(args);
    assert.ok(r.error instanceof AnvilPortInUseError, String(r.error));
    const failed = opml(args);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, new RegExp(`error: port ${other.port} on 127.0.0.1 is already in use`));
  } finally {
    await other.stop();
  }
});

test("opml devnet --models mlp,fmnist-cnn serves a chain, prints URL, public keys, contracts and the three model ids (the trained CNN by name), records them with their .opml files, prints the daemons' commands, mines on its own, and on SIGINT stops anvil and removes the record", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opml-devnet-"));
  const stateFile = join(dir, "devnet.json");
  const child = spawn(
    process.execPath,
    [BIN, "devnet", "--port", "0", "--state-file", stateFile, "--models", "mlp,fmnist-cnn"],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let anvilPid = 0;
  try {
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("Press Ctrl-C to stop")) {
      if (child.exitCode !== null) assert.fail(`opml devnet exited early (${child.exitCode}):\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) assert.fail(`opml devnet did not come up:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = readDevnetState(stateFile);
    anvilPid = state.pid;
    assert.ok(stdout.includes(`RPC URL   ${state.rpcUrl}`));
    assert.ok(stdout.includes("chain id  31337"));
    assert.match(stdout, /PUBLIC TEST KEYS/);
    assert.equal(state.accounts.length, 10);
    assert.ok(stdout.includes(`(0) ${state.accounts[0]!.address}  key ${state.accounts[0]!.privateKey}`));
    for (const name of ["StepVerifier", "PhaseBoundary", "DisputeGame", "OpmlOracle", "ClassifierGate"]) {
      assert.ok(state.contracts[name], `the devnet deployed ${name}`);
    }
    for (const [name, address] of Object.entries(state.contracts)) assert.ok(stdout.includes(address), name);
    for (const name of state.missing) assert.ok(stdout.includes(name), name);

    const client = createPublicClient({ transport: http(state.rpcUrl) });
    assert.equal(await client.getChainId(), 31337);
    // tiny-mlp (the manifest's), mlp and fmnist-cnn (--models): each printed id holds the printed graph root on chain.
    const modelLines = [
      ...stdout.matchAll(/^\s+(tiny-mlp|mlp|fmnist-cnn)\s+model id (\d+) .*graphRoot (0x[0-9a-f]{64})\)$/gm),
    ];
    assert.deepEqual(
      modelLines.map((m) => m[1]),
      ["tiny-mlp", "mlp", "fmnist-cnn"],
      `the demo models' ids are printed:\n${stdout}`,
    );
    assert.match(stdout, /Models \(registered with OpmlOracle from account 0\):/);
    for (const [, name, id, graphRoot] of modelLines) {
      const registered = await client.readContract({
        address: state.contracts.OpmlOracle!,
        abi: opmlOracleAbi,
        functionName: "getModel",
        args: [BigInt(id!)],
      });
      assert.equal(registered.graphRoot, graphRoot, `model ${id} is the registered ${name}`);
    }
    assert.deepEqual(
      state.models?.map(({ name, modelId, graphRoot }) => ({ name, modelId, graphRoot })),
      modelLines.map(([, name, id, graphRoot]) => ({ name, modelId: id, graphRoot })),
      "the state file records the registered models as printed",
    );
    // Each registered model's .opml file is written next to the state file, recorded there, and
    // decodes to a model that compiles to the registered graph root.
    for (const m of state.models) {
      assert.equal(m.file, join(dir, "models", `${m.name}.opml`), `${m.name}'s file is recorded`);
      assert.ok(existsSync(m.file), `${m.file} was written`);
      const compiled = await compileModel(decodeModel(new Uint8Array(readFileSync(m.file))));
      assert.equal(bytesToHex(compiled.commitment.graphRoot), m.graphRoot, `${m.file} is model ${m.modelId}`);
    }
    // Ready-to-paste daemon commands: the state's RPC URL and oracle, a different dev key each, every model file.
    const models = state.models.map((m) => `${m.modelId}=${m.file!}`).join(",");
    const daemonLine = (role: string, account: number) =>
      `  opml ${role} --rpc-url ${state.rpcUrl} --oracle ${state.contracts.OpmlOracle!} ` +
      `--private-key ${state.accounts[account]!.privateKey} --models ${models} --data-dir ${join(dir, role)} `;
    for (const [role, account] of [
      ["submitter", 1],
      ["challenger", 2],
    ] as const)
      assert.ok(stdout.includes(daemonLine(role, account)), `the ${role}'s command is printed:\n${stdout}`);
    assert.match(stdout, /^\s+opml challenger .* --mode defend/m);
    assert.equal(state.blockTime, 1, "interval mining is on by default");
    assert.match(stdout, /mining\s+a block every 1 s and one per transaction/);

    // The chain moves without transactions: blocks and their timestamps advance on their own.
    const before = await client.getBlock();
    await new Promise((r) => setTimeout(r, 2500));
    const after = await client.getBlock();
    assert.ok(after.number >= before.number + 2n, `blocks ${before.number} -> ${after.number} in 2.5 s`);
    // Anvil stamps an interval block with the wall clock's second, so two blocks may share one.
    assert.ok(after.timestamp > before.timestamp, `timestamps ${before.timestamp} -> ${after.timestamp}`);
    assert.equal(describeChainTimeLag(after.timestamp), undefined, "chain time follows the wall clock");
    for (const address of Object.values(state.contracts)) {
      const code = await client.getCode({ address });
      assert.ok(code && code.length > 2, `no code at ${address}`);
    }

    child.kill("SIGINT");
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /Devnet stopped\./);
    assert.equal(isAlive(state.pid), false, "anvil outlived opml devnet");
    assert.equal(existsSync(stateFile), false, "the state file of a stopped devnet was left behind");
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    if (anvilPid && isAlive(anvilPid)) process.kill(anvilPid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
