/**
 * Shared set-up for the SDK, daemon and e2e tests: an anvil with the real contracts
 * (StepVerifier, PhaseBoundary, DisputeGame, OpmlOracle, the ClassifierGate example dapp) deployed
 * from the forge artifacts, and tiny-mlp (dnn-lib's 3-node test model) compiled and registered
 * with the commitment dnn-lib computes. Nothing here is a mock.
 */
import { createTestClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { disputeGameAbi } from "../../sdk/gameAbi.ts";
import { opmlOracleAbi } from "../../sdk/abi.ts";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { devClients, type DevClients } from "../../chain/devClients.ts";
import { SYSTEM_CONTRACTS, MODEL_TERMS } from "../../chain/deploy.ts";
import { deployManifest, registerModel } from "../deployManifest.ts";
import type { CompiledModel } from "../../phase/compileModel.ts";
import assert from "node:assert/strict";
import { readGame } from "../../sdk/operator/index.ts";
import { getRequestStatus } from "../../sdk/index.ts";
import { GameStatus } from "../../bisection/index.ts";

export { GAME, MODEL_TERMS } from "../../chain/deploy.ts";

export interface System {
  anvil: Anvil;
  /** One client set per dev account: 0 deploys, 1 requests (the dapp user), 2 submits, 3 challenges. */
  clients: DevClients[];
  oracle: Address;
  game: Address;
  dapp: Address;
  modelId: bigint;
  compiled: CompiledModel;
  /** Advances anvil's clock by `seconds` and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(): Promise<System> {
  const anvil = await startAnvil({ port: 0, accounts: 6 });
  try {
    const clients = anvil.accounts.map((a) => devClients(anvil.rpcUrl, anvil.chainId, a.privateKey));
    const { deployed, model } = await deployManifest(clients[0]!, SYSTEM_CONTRACTS);
    const at = (name: string) => deployed.find((d) => d.name === name)!.address;
    const oracle = { address: at("OpmlOracle") };
    const game = { address: at("DisputeGame") };
    const dapp = { address: at("ClassifierGate") };
    const { modelId, compiled } = model!;
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    return {
      anvil,
      clients,
      oracle: oracle.address,
      game: game.address,
      dapp: dapp.address,
      modelId,
      compiled,
      async advance(seconds: number) {
        await test.increaseTime({ seconds });
        await test.mine({ blocks: 1 });
      },
      stop: () => anvil.stop(),
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** Advances the chain's clock past game `gameId`'s current deadline (the side on move's clock). */
export async function pastDeadline(sys: System, gameId: bigint): Promise<void> {
  const pc = sys.clients[0]!.publicClient;
  const deadline = await pc.readContract({
    address: sys.game,
    abi: disputeGameAbi,
    functionName: "deadlineOf",
    args: [gameId],
  });
  await sys.advance(Math.max(0, Number(deadline - (await pc.getBlock()).timestamp)) + 1);
}

/** Registers a compiled model with MODEL_TERMS; returns its id. */
export async function registerCompiled(c: DevClients, oracle: Address, compiled: CompiledModel): Promise<bigint> {
  return (await registerModel(c, oracle, compiled, MODEL_TERMS)).modelId;
}

/**
 * One of dnn-lib's ONNX models by name — generated (dnn-lib/models: mlp, cnn, gpt) or trained
 * (dnn-lib/models/train: fmnist-mlp, fmnist-cnn, byte-lm) — quantized on its calibration inputs
 * and compiled, as dnn-lib's own model tests do, with one quantized evaluation input.
 */
export async function compileOnnxModel(name: string): Promise<{ compiled: CompiledModel; input: Uint8Array }> {
  const [
    { readFileSync },
    { readOnnx },
    { quantizeModel },
    { quantizeFeeds },
    { toModel },
    models,
    trained,
    { compileModel },
  ] = await Promise.all([
    import("node:fs"),
    import("../../dnn-lib/src/onnx/model.ts"),
    import("../../dnn-lib/src/onnx/quantize.ts"),
    import("../../dnn-lib/src/onnx/runQuant.ts"),
    import("../../dnn-lib/src/onnx/toModel.ts"),
    import("../../dnn-lib/models/index.ts"),
    import("../../dnn-lib/models/trainModels.ts"),
    import("../../phase/compileModel.ts"),
  ]);
  // A model trained in dnn-lib/models/train (fmnist-cnn…) or one generated in dnn-lib/models (mlp…).
  const t = trained.TRAINED_MODELS[name];
  const spec = models.MODELS[name];
  if (!t && !spec) throw new RangeError(`no demo model ${name}`);
  const onnx = t ? trained.readTrainModel(t.file) : readOnnx(readFileSync(models.modelPath(name)));
  const calibration = t ? t.calibration(models.CALIBRATION_SEED, 8) : spec!.feeds(models.CALIBRATION_SEED, 8);
  const g = await quantizeModel(onnx, calibration);
  const feed = (t ? t.evaluation(1) : spec!.feeds(models.EVAL_SEED, 1))[0]!;
  const input = quantizeFeeds(g, feed).get(g.inputs[0]!.id)!;
  return { compiled: await compileModel({ ...toModel(g), name }), input };
}

/**
 * A challenger played by hand (no daemon), from dev account `account`: a griefer or a wrong
 * challenger. Each call sends one transaction and fails the test unless it is mined successfully.
 */
export function manualChallenger(sys: System, account: number) {
  const c = sys.clients[account]!;
  const mined = async (hash: Promise<Hex>) => {
    const r = await c.publicClient.waitForTransactionReceipt({ hash: await hash });
    if (r.status !== "success") throw new Error(`transaction ${r.transactionHash} reverted`);
    return r;
  };
  return {
    /** Challenges the active claim of `requestId` with the model's bond; returns the game id. */
    async challenge(requestId: bigint): Promise<bigint> {
      const r = await mined(
        c.walletClient.writeContract({
          address: sys.oracle,
          abi: opmlOracleAbi,
          functionName: "challenge",
          args: [requestId],
          value: MODEL_TERMS.challengerBond,
        }),
      );
      return parseEventLogs({ abi: opmlOracleAbi, logs: r.logs, eventName: "ClaimChallenged" })[0]!.args.gameId;
    },
    /** Disputes sub-segment `index` of the game's latest bisection. */
    async choose(gameId: bigint, index: bigint): Promise<void> {
      const [b] = (
        await c.publicClient.getContractEvents({
          address: sys.game,
          abi: disputeGameAbi,
          eventName: "Bisected",
          args: { gameId },
          fromBlock: 0n,
        })
      ).slice(-1);
      await mined(
        c.walletClient.writeContract({
          address: sys.game,
          abi: disputeGameAbi,
          functionName: "choose",
          args: [gameId, b!.args.intermediates!, index],
          gas: 3_000_000n,
        }),
      );
    },
  };
}

/** The two daemons a dispute test ticks: anything with `tick()`; the challenger also keeps its verdicts and games. */
interface Ticking {
  tick(): Promise<unknown>;
}
interface Watching extends Ticking {
  verdicts: readonly { requestId: bigint; correct: boolean; claimId: bigint }[];
  games: ReadonlyMap<bigint, bigint>;
}

/**
 * A lying submitter's claim on `requestId`, already made: the challenger ticks once to judge it,
 * then both play until the game ends. Asserts the liar lost at level 2, at node `node`, by the
 * on-chain step, that the oracle rejected that claim and that the request is not finalized.
 */
export async function playLieToTheStep(
  sys: System,
  daemons: { liar: Ticking; challenger: Watching },
  requestId: bigint,
  node: number,
  fromBlock: bigint,
  maxTicks = 120,
): Promise<void> {
  const { liar, challenger } = daemons;
  const pc = sys.clients[0]!.publicClient;
  await challenger.tick();
  const verdict = challenger.verdicts.find((v) => v.requestId === requestId);
  assert.equal(verdict?.correct, false, "the watchtower disagrees with the lie");
  const gameId = [...challenger.games].find(([, c]) => c === verdict?.claimId)![0];
  for (let i = 0; i < maxTicks; i++) {
    if ((await readGame(pc, { game: sys.game, gameId })).status !== GameStatus.InProgress) break;
    await liar.tick();
    await challenger.tick();
  }
  const g = await readGame(pc, { game: sys.game, gameId });
  assert.equal(g.status, GameStatus.ChallengerWon);
  assert.equal(g.level, 2, "the liar passed the phase boundary");
  assert.equal(g.node, node, "level 1 found the lied node");
  const [stepped] = await pc.getContractEvents({
    address: sys.game,
    abi: disputeGameAbi,
    eventName: "StepExecuted",
    args: { gameId },
    fromBlock,
  });
  assert.ok(stepped, "decided by the on-chain step");
  assert.notEqual(stepped.args.postState, stepped.args.claimed);
  const [rejected] = await pc.getContractEvents({
    address: sys.oracle,
    abi: opmlOracleAbi,
    eventName: "ClaimRejected",
    args: { gameId },
    fromBlock,
  });
  assert.equal(rejected?.args.claimId, verdict?.claimId);
  assert.notEqual((await getRequestStatus(pc, { oracle: sys.oracle, requestId })).status, "finalized");
}
