import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import {
  startSystem,
  compileOnnxModel,
  registerCompiled,
  MODEL_TERMS,
  type System,
} from "../devnet/test/startSystem.ts";
import { createLogger } from "../daemon/logger.ts";
import { readGame } from "../sdk/operator/index.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { requestInference, getRequestStatus, waitForResult } from "../sdk/index.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { GameStatus } from "../bisection/index.ts";

// dnn-lib's models through the daemons on anvil, beyond tiny-mlp: the generated demo models (mlp,
// cnn, gpt) and the CNN trained on Fashion-MNIST and exported by PyTorch (fmnist-cnn). Each is
// quantized from its ONNX file, compiled and registered with the oracle; an honest claim on an
// evaluation input finalizes with the native runner's output, and a submitter lying inside the VM
// run of the middle node passes the phase boundary and is caught by the on-chain step.

const NAMES = ["mlp", "cnn", "gpt", "fmnist-cnn"];

let sys: System;
before(async () => {
  sys = await startSystem();
});
after(async () => {
  await sys?.stop();
});

const quiet = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const pc = () => sys.clients[0]!.publicClient;

for (const name of NAMES) {
  test(`${name}: an honest claim finalizes with the native output; a lie inside the middle node's VM run is caught by the on-chain step`, async () => {
    const { compiled, input } = await compileOnnxModel(name);
    const modelId = await registerCompiled(sys.clients[0]!, sys.oracle, compiled);
    const served = await ServedModel.create(compiled);
    const models = new Map([[modelId, served]]);
    const fromBlock = (await pc().getBlockNumber({ cacheTime: 0 })) + 1n;
    const daemon = (account: number, o: { lieAtNode?: number } = {}) =>
      new SubmitterDaemon({
        client: sys.clients[account]!.walletClient,
        oracle: sys.oracle,
        models,
        logger: quiet(),
        fromBlock,
        withdraw: false,
        ...(o.lieAtNode !== undefined ? { lieAtNode: o.lieAtNode, lieInVm: true } : {}),
      });
    const challenger = new ChallengerDaemon({
      client: sys.clients[3]!.walletClient,
      oracle: sys.oracle,
      mode: "defend",
      models,
      logger: quiet(),
      fromBlock,
      withdraw: false,
    });

    // Honest: claimed, verified by the watchtower, finalized after the window.
    const honestReq = (await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId, input }))
      .requestId;
    const honest = daemon(4);
    await honest.tick();
    await challenger.tick();
    assert.ok(challenger.verdicts.some((v) => v.requestId === honestReq && v.correct));
    await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
    await honest.tick();
    const expected = served.claim(input).output;
    assert.equal(await waitForResult(pc(), { oracle: sys.oracle, requestId: honestReq, timeoutMs: 5000 }), expected);

    // A lie at the middle node, carried into its VM run (wrong at the last step).
    const mid = Math.floor(compiled.commitment.nodeCount / 2);
    const liedReq = (await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId, input }))
      .requestId;
    const liar = daemon(2, { lieAtNode: mid });
    await liar.tick();
    await challenger.tick();
    const verdict = challenger.verdicts.find((v) => v.requestId === liedReq)!;
    assert.equal(verdict.correct, false);
    const gameId = [...challenger.games].find(([, c]) => c === verdict.claimId)![0];
    for (let i = 0; i < 80; i++) {
      if ((await readGame(pc(), { game: sys.game, gameId })).status !== GameStatus.InProgress) break;
      await liar.tick();
      await challenger.tick();
    }
    const g = await readGame(pc(), { game: sys.game, gameId });
    assert.equal(g.status, GameStatus.ChallengerWon);
    assert.equal(g.level, 2, "the liar passed the phase boundary");
    assert.equal(g.node, mid, "level 1 found the lied node");
    const [stepped] = await pc().getContractEvents({
      address: sys.game,
      abi: disputeGameAbi,
      eventName: "StepExecuted",
      args: { gameId },
      fromBlock,
    });
    assert.ok(stepped, "decided by the on-chain step");
    assert.notEqual(stepped.args.postState, stepped.args.claimed);
    const [rejected] = await pc().getContractEvents({
      address: sys.oracle,
      abi: opmlOracleAbi,
      eventName: "ClaimRejected",
      args: { gameId },
      fromBlock,
    });
    assert.equal(rejected!.args.claimId, verdict.claimId);
    assert.notEqual((await getRequestStatus(pc(), { oracle: sys.oracle, requestId: liedReq })).status, "finalized");
  });
}
