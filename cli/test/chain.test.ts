import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { bytesToHex } from "viem";
import { startSystem, type System } from "../../devnet/test/startSystem.ts";
import { writeDevnetState } from "../../devnet/devnetState.ts";
import { ConfigError } from "../../daemon/config.ts";
import { createLogger } from "../../daemon/logger.ts";
import { disputeGameAbi } from "../../sdk/gameAbi.ts";
import { compileModel } from "../../phase/compileModel.ts";
import { decodeModel } from "../../dnn-lib/src/model/modelFile.ts";
import { opmlOracleAbi } from "../../sdk/abi.ts";
import { requestInference } from "../../sdk/index.ts";
import { ServedModel } from "../../claim/ServedModel.ts";
import { SubmitterDaemon } from "../../submitter/daemon.ts";
import { ChallengerDaemon } from "../../challenger/daemon.ts";
import {
  BadInputError,
  BondTooSmallError,
  ChainError,
  GameNotFoundError,
  ModelAlreadyRegisteredError,
} from "../errors.ts";
import { DEFENDER_FULL_GAME_GAS, minChallengerBond } from "../../chain/bondSizing.ts";
import { deployArtifact, GAME, loadArtifact, MODEL_TERMS } from "../../chain/deploy.ts";
import {
  REFERENCE_OPEN_SECONDS,
  REFERENCE_VM_STEPS_PER_SECOND,
  requiredPhase2Extension,
} from "../../chain/phase2Sizing.ts";
import { DEFAULT_SYSTEM_PARAMS } from "../../chain/systemParams.ts";
import type { DisputeReport } from "../disputeShow.ts";
import { runOpml } from "./runOpml.ts";

// `opml model register` and `opml dispute show` against a real anvil with the real contracts
// (devnet/test/startSystem.ts: the system deployed, tiny-mlp registered as model 1).

let sys: System;
let dir: string;
before(async () => {
  sys = await startSystem();
  dir = mkdtempSync(join(tmpdir(), "opml-chain-"));
});
after(async () => {
  await sys?.stop();
});

const chain = (oracle: string = sys.oracle) => ["--rpc-url", sys.anvil.rpcUrl, "--oracle", oracle];
const key = (i: number) => ["--private-key", sys.anvil.accounts[i]!.privateKey];

test("model register: a compiled file gets the next model id, and the oracle holds exactly the file's commitment", async () => {
  const file = join(dir, "mlp.opml");
  assert.equal((await runOpml(["model", "compile", "mlp", "-o", file, "--quiet"])).error, undefined);
  const r = await runOpml(["model", "register", file, ...chain(), ...key(0), "--json"]);
  assert.equal(r.error, undefined, String(r.error));
  const out = JSON.parse(r.out) as { modelId: string; tx: string };
  const count = await sys.clients[0]!.publicClient.readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "modelCount",
  });
  assert.equal(out.modelId, count.toString());
  const onChain = await sys.clients[0]!.publicClient.readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "getModel",
    args: [BigInt(out.modelId)],
  });
  const c = (await compileModel(decodeModel(new Uint8Array(readFileSync(file))))).commitment;
  assert.equal(onChain.programRoot, bytesToHex(c.programRoot));
  assert.equal(onChain.graphRoot, bytesToHex(c.graphRoot));
  assert.equal(onChain.weightsRoot, bytesToHex(c.weightsRoot));
  assert.equal(onChain.nodeCount, c.nodeCount);
  assert.equal(onChain.outputLength, c.outputLength);

  const again = await runOpml(["model", "register", file, ...chain(), ...key(1)]);
  assert.ok(again.error instanceof ModelAlreadyRegisteredError, String(again.error));
  assert.equal(again.error.modelId, BigInt(out.modelId));
  assert.match(again.error.message, new RegExp(`already registered as model ${out.modelId}`));
});

test("model register by demo name with the devnet state file's defaults (RPC, oracle, account 0); the devnet's own tiny-mlp is refused as registered", async () => {
  const stateFile = join(dir, "devnet.json");
  writeDevnetState(
    {
      version: 1,
      rpcUrl: sys.anvil.rpcUrl,
      chainId: sys.anvil.chainId,
      pid: sys.anvil.pid,
      startedAt: new Date().toISOString(),
      accounts: sys.anvil.accounts,
      contracts: { OpmlOracle: sys.oracle, DisputeGame: sys.game },
      missing: [],
    },
    stateFile,
  );
  const r = await runOpml(["model", "register", "cnn", "--state-file", stateFile, "--quiet"]);
  assert.equal(r.error, undefined, String(r.error));
  const id = /Registered "cnn" as model (\d+) \(oracle (0x[0-9a-fA-F]{40}), chain 31337/.exec(r.out);
  assert.ok(id, r.out);
  assert.equal(id[2], sys.oracle);
  const registrar = await sys.clients[0]!.publicClient.getContractEvents({
    address: sys.oracle,
    abi: opmlOracleAbi,
    eventName: "ModelRegistered",
    args: { modelId: BigInt(id[1]!) },
    fromBlock: 0n,
  });
  assert.equal(registrar[0]!.args.registrar, sys.anvil.accounts[0]!.address, "account 0 of the state file signed");

  const tiny = await runOpml(["model", "register", "tiny-mlp", "--state-file", stateFile]);
  assert.ok(tiny.error instanceof ModelAlreadyRegisteredError, String(tiny.error));
  assert.equal(tiny.error.modelId, sys.modelId);
});

test("model register refuses a wrong RPC URL (the old --rpc and --key still accepted), an oracle address without code, a bad key, an unfunded registrar and a missing devnet", async () => {
  const wrongRpc = await runOpml([
    "model",
    "register",
    "tiny-mlp",
    "--rpc",
    "http://127.0.0.1:9",
    "--oracle",
    sys.oracle,
    "--key",
    sys.anvil.accounts[0]!.privateKey,
  ]);
  assert.ok(wrongRpc.error instanceof ChainError, String(wrongRpc.error));
  assert.match(wrongRpc.error.message, /cannot reach the chain at http:\/\/127\.0\.0\.1:9/);

  const eoa = sys.anvil.accounts[5]!.address;
  const noCode = await runOpml(["model", "register", "tiny-mlp", ...chain(eoa), ...key(0)]);
  assert.ok(noCode.error instanceof ChainError);
  assert.match(
    noCode.error.message,
    new RegExp(`${eoa} is not a contract on chain 31337: it is an account without code`),
  );

  const badKey = await runOpml(["model", "register", "tiny-mlp", ...chain(), "--private-key", "0x1234"]);
  assert.ok(badKey.error instanceof ConfigError);
  assert.match(badKey.error.message, /the private key is not 32 bytes of 0x hex/);
  assert.doesNotMatch(badKey.error.message, /1234/);

  const unfunded = await runOpml([
    "model",
    "register",
    "gpt",
    ...chain(),
    "--private-key",
    `0x${"42".repeat(32)}`,
    "--quiet",
  ]);
  assert.ok(unfunded.error instanceof ChainError, String(unfunded.error));
  assert.match(unfunded.error.message, /the registration was not accepted[\s\S]*registrar 0x/);

  // No devnet and no flags: both missing settings at once.
  const noDevnet = await runOpml(["model", "register", "tiny-mlp", "--state-file", join(dir, "none.json")]);
  assert.ok(noDevnet.error instanceof ConfigError, String(noDevnet.error));
  assert.match(noDevnet.error.message, /2 problems[\s\S]*OpmlOracle address is needed[\s\S]*a signing key is needed/);
  const noKey = await runOpml(["model", "register", "tiny-mlp", ...chain(), "--state-file", join(dir, "none.json")]);
  assert.ok(noKey.error instanceof ConfigError, String(noKey.error));
  assert.match(noKey.error.message, /a signing key is needed: --keystore <file>, --signer-url <url> or --private-key/);
});

test("model register: the default challenger bond, less the devnet's burn, covers the defender's full-game gas at anvil's gas price", async () => {
  const gasPrice = await sys.clients[0]!.publicClient.getGasPrice();
  assert.ok(MODEL_TERMS.challengerBond >= minChallengerBond(gasPrice, DEFAULT_SYSTEM_PARAMS.burnBps)!);
  // The devnet's own tiny-mlp gets past the bond check with the defaults and stops at the next one.
  const r = await runOpml(["model", "register", "tiny-mlp", ...chain(), ...key(0)]);
  assert.ok(r.error instanceof ModelAlreadyRegisteredError, String(r.error));
  assert.doesNotMatch(r.err, /warning/);
});

test("model register refuses a challenger bond whose unburned part is below the defender's full-game gas × gas price with BondTooSmallError naming both amounts, and registers it with --allow-small-bond and a warning", async () => {
  const gwei = 10n ** 9n;
  const burnBps = await sys.clients[0]!.publicClient.readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "burnBps",
  });
  assert.equal(burnBps, DEFAULT_SYSTEM_PARAMS.burnBps);
  const cost = DEFENDER_FULL_GAME_GAS * 3n * gwei; // --gas-price 3
  const minimum = minChallengerBond(3n * gwei, burnBps)!;
  assert.equal(minimum, cost * 2n - 1n, "at the devnet's 50% burn the bond must be about twice the defender's gas");
  const small = minimum - 1n;
  const registerTinyAt3Gwei = (bond: bigint) =>
    runOpml([
      "model",
      "register",
      "tiny-mlp",
      ...chain(),
      ...key(0),
      "--challenger-bond",
      String(bond),
      "--gas-price",
      "3",
    ]);
  // A bond that covers the gas but not once the burn is taken is refused too.
  const coversGasOnly = await registerTinyAt3Gwei(cost);
  assert.ok(coversGasOnly.error instanceof BondTooSmallError, String(coversGasOnly.error));
  assert.equal(coversGasOnly.error.minimumBond, minimum);
  assert.match(coversGasOnly.error.message, /burn of 5000 bps/);
  const refused = await registerTinyAt3Gwei(small);
  assert.ok(refused.error instanceof BondTooSmallError, String(refused.error));
  assert.equal(refused.error.challengerBond, small);
  assert.equal(refused.error.minimumBond, minimum);
  assert.match(refused.error.message, new RegExp(`challenger bond ${small} wei is below ${minimum} wei`));
  assert.match(refused.error.message, new RegExp(`${DEFENDER_FULL_GAME_GAS} gas .* × 3 gwei \\(--gas-price\\)`));
  assert.match(refused.error.message, new RegExp(`= ${cost} wei`));

  // At the chain's own gas price (no --gas-price), a 1-wei bond is refused too.
  const chainPrice = await runOpml(["model", "register", "tiny-mlp", ...chain(), ...key(0), "--challenger-bond", "1"]);
  assert.ok(chainPrice.error instanceof BondTooSmallError, String(chainPrice.error));
  assert.match(chainPrice.error.message, /the chain's gas price/);

  const countBefore = await sys.clients[0]!.publicClient.readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "modelCount",
  });
  const allowed = await runOpml([
    "model",
    "register",
    "mlp",
    "--calibration",
    "3",
    ...chain(),
    ...key(2),
    "--challenger-bond",
    String(small),
    "--gas-price",
    "3",
    "--allow-small-bond",
    "--json",
  ]);
  assert.equal(allowed.error, undefined, String(allowed.error));
  assert.match(allowed.err, new RegExp(`warning: challenger bond ${small} wei is below ${minimum} wei`));
  const out = JSON.parse(allowed.out) as { modelId: string; terms: { challengerBond: string } };
  assert.equal(out.modelId, String(countBefore + 1n));
  assert.equal(out.terms.challengerBond, String(small));
  const onChain = await sys.clients[0]!.publicClient.readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "getModel",
    args: [BigInt(out.modelId)],
  });
  assert.equal(onChain.challengerBond, small);
});

test("model register on an oracle that burns a loser's whole bond warns that nothing reaches the defender, and registers", async () => {
  const artifact = loadArtifact("OpmlOracle");
  const burnAll = await deployArtifact(sys.clients[0]!, artifact, [sys.game, 10_000n, 3600n]);
  const r = await runOpml([
    "model",
    "register",
    "tiny-mlp",
    ...chain(burnAll.address),
    ...key(0),
    "--gas-price",
    "1",
    "--json",
  ]);
  assert.equal(r.error, undefined, String(r.error));
  assert.match(r.err, /warning: the oracle burns 10000 of 10000 bps \(all\) .* nothing reaches the honest defender/);
  assert.doesNotMatch(r.err, /phase2Extension/, "the devnet's game (E2 = 120 s) covers tiny-mlp");
  assert.equal((JSON.parse(r.out) as { modelId: string }).modelId, "1");
});

test("model register warns when the deployed phase2Extension is below 2 × (largest node's steps ÷ the reference VM speed + time to open phase 2), and registers", async () => {
  const gameArtifact = loadArtifact("DisputeGame");
  const read = (functionName: string) =>
    sys.clients[0]!.publicClient.readContract({ address: sys.game, abi: gameArtifact.abi, functionName });
  const [verifier, boundary] = [await read("stepVerifier"), await read("phaseBoundary")];
  const shortGame = await deployArtifact(sys.clients[0]!, gameArtifact, [
    GAME.k,
    GAME.stepDepth,
    GAME.clockBudget,
    10n, // phase2Extension
    GAME.stepExtension,
    verifier,
    boundary,
  ]);
  const oracle = await deployArtifact(sys.clients[0]!, loadArtifact("OpmlOracle"), [shortGame.address, 5000n, 3600n]);
  const maxSteps = Math.max(...sys.compiled.nodeSteps);
  const required = requiredPhase2Extension(maxSteps);
  assert.equal(required, BigInt(Math.ceil(2 * (maxSteps / REFERENCE_VM_STEPS_PER_SECOND + REFERENCE_OPEN_SECONDS))));
  assert.ok(required > 10n && required <= GAME.phase2Extension, `tiny-mlp needs ${required} s`);

  const r = await runOpml(["model", "register", "tiny-mlp", ...chain(oracle.address), ...key(0), "--json"]);
  assert.equal(r.error, undefined, String(r.error));
  assert.match(
    r.err,
    new RegExp(
      `warning: the DisputeGame's phase2Extension \\(10 s, ${shortGame.address}\\) is below .* ${maxSteps} VM steps .* = ${required} s`,
    ),
  );
  assert.equal((JSON.parse(r.out) as { modelId: string }).modelId, "1");
});

const quiet = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });

test("dispute show: a liar's game in progress (moves, the running clock, deadline as the contract has it), then resolved by timeout with the bonds settled", async () => {
  const served = await ServedModel.create(sys.compiled);
  const models = new Map([[sys.modelId, served]]);
  const input = Uint8Array.from({ length: 16 }, (_, i) => i * 5);
  const { requestId } = await requestInference(sys.clients[1]!.walletClient, {
    oracle: sys.oracle,
    modelId: sys.modelId,
    input,
  });
  const liar = new SubmitterDaemon({
    client: sys.clients[2]!.walletClient,
    oracle: sys.oracle,
    models,
    logger: quiet(),
    lieAtNode: 2,
    withdraw: false,
  });
  const challenger = new ChallengerDaemon({
    client: sys.clients[3]!.walletClient,
    oracle: sys.oracle,
    mode: "defend",
    models,
    logger: quiet(),
    withdraw: false,
  });
  await liar.tick(); // the lying claim
  await challenger.tick(); // challenged: the game opens
  await liar.tick(); // bisects
  await challenger.tick(); // chooses
  const gameId = [...challenger.games.keys()].pop()!;
  await sys.advance(50);

  const shown = await runOpml(["dispute", "show", String(gameId), ...chain(), "--json"]);
  assert.equal(shown.error, undefined, String(shown.error));
  const r = JSON.parse(shown.out) as DisputeReport;
  assert.equal(r.status, "in progress");
  assert.equal(r.parties.defender, sys.anvil.accounts[2]!.address);
  assert.equal(r.parties.challenger, sys.anvil.accounts[3]!.address);
  assert.equal(r.request!.requestId, requestId.toString());
  assert.deepEqual(
    r.moves.map((m) => [m.move, m.by]),
    [
      ["created", "challenger"],
      ["bisect", "defender"],
      ["choose", "challenger"],
    ],
  );
  const pc = sys.clients[0]!.publicClient;
  const deadline = await pc.readContract({
    address: sys.game,
    abi: disputeGameAbi,
    functionName: "deadlineOf",
    args: [gameId],
  });
  assert.equal(r.clocks.deadline, deadline.toString(), "the deadline is the contract's");
  const mover = r.clocks.onMove as "defender" | "challenger";
  assert.equal(BigInt(r.clocks[mover]), deadline - BigInt(r.clocks.now), "the mover's clock runs down to the deadline");
  assert.equal(r.bonds!.settled, false);

  // The liar cannot follow the truth to the end; once its clock has run out the challenger wins.
  for (
    let i = 0;
    i < 4 &&
    (await pc.readContract({ address: sys.game, abi: disputeGameAbi, functionName: "getGame", args: [gameId] }))
      .phase !== 3;
    i++
  ) {
    await liar.tick();
    await challenger.tick();
  }
  const end = await pc.readContract({
    address: sys.game,
    abi: disputeGameAbi,
    functionName: "deadlineOf",
    args: [gameId],
  });
  await sys.advance(Number(end - (await pc.getBlock()).timestamp) + 1);
  await challenger.tick(); // claims the timeout

  const text = await runOpml(["dispute", "show", String(requestId), "--request", ...chain()]);
  assert.equal(text.error, undefined, String(text.error));
  assert.match(text.out, new RegExp(`^Game ${gameId}: challenger won \\(by timeout\\)`, "m"));
  assert.match(text.out, /request\s+\d+, claim \d+ \(claim status rejected\)/);
  assert.match(text.out, /bonds\s+settled by the oracle/);
  assert.match(text.out, /resolved\s+challenger\s+challenger won by timeout/);
  const final = JSON.parse(
    (await runOpml(["dispute", "show", String(gameId), ...chain(), "--json"])).out,
  ) as DisputeReport;
  assert.equal(final.byTimeout, true);
  assert.equal(final.clocks.onMove, null);
  assert.equal(final.moves.at(-1)!.move, "resolved");
  assert.equal(final.phase, "Resolved");
});

test("dispute show refuses an unknown game id, a request without a game, an unknown request, a non-numeric id, a wrong RPC and an address that is not the oracle", async () => {
  const unknown = await runOpml(["dispute", "show", "999", ...chain()]);
  assert.ok(unknown.error instanceof GameNotFoundError, String(unknown.error));
  assert.match(unknown.error.message, /no dispute game 999[\s\S]*has \d+ game\(s\)/);

  const { requestId } = await requestInference(sys.clients[1]!.walletClient, {
    oracle: sys.oracle,
    modelId: sys.modelId,
    input: new Uint8Array(16),
  });
  const none = await runOpml(["dispute", "show", String(requestId), "--request", ...chain()]);
  assert.ok(none.error instanceof GameNotFoundError);
  assert.match(none.error.message, new RegExp(`request ${requestId} has no dispute game`));

  const noRequest = await runOpml(["dispute", "show", "12345", "--request", ...chain()]);
  assert.match(String(noRequest.error), /no request 12345/);

  const word = await runOpml(["dispute", "show", "latest", ...chain()]);
  assert.ok(word.error instanceof BadInputError);

  const wrongRpc = await runOpml(["dispute", "show", "1", "--rpc-url", "http://127.0.0.1:9", "--oracle", sys.oracle]);
  assert.ok(wrongRpc.error instanceof ChainError);

  const notOracle = await runOpml(["dispute", "show", "1", "--rpc", sys.anvil.rpcUrl, "--oracle", sys.game]);
  assert.ok(notOracle.error instanceof ChainError, String(notOracle.error));
  assert.match(notOracle.error.message, /is a contract but not an OpmlOracle/);
});
