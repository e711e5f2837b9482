import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import {
  startSystem,
  compileOnnxModel,
  playLieToTheStep,
  registerCompiled,
  MODEL_TERMS,
  type System,
} from "../devnet/test/startSystem.ts";
import { createLogger } from "../daemon/logger.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { requestInference, waitForResult } from "../sdk/index.ts";

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
    await playLieToTheStep(sys, { liar, challenger }, liedReq, mid, fromBlock, 80);
  });
}
