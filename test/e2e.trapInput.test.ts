/**
 * Requests whose input the model cannot run (docs/protocol.md §8.2.1), on anvil with the real
 * contracts and dnn-lib's gpt (its embedding reads the input: token ids below 64).
 *
 * Registered with its input token bound, an out-of-range id is refused by the SDK before sending
 * and by the oracle alike, naming the same position and value. Registered without it (a model
 * whose trap the oracle cannot predict), such a request goes in: the honest submitter runs it
 * once, logs one line and never claims it; a liar's claim on it is reported once as wrong by the
 * challenger, which does not challenge it; restarts on the same data directories neither re-run
 * nor log it again; and the requester cancels it after the timeout. A daemon serves the model
 * file only under the registration whose bound is the file's.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex, zeroAddress } from "viem";
import { simulateContract, readContract, writeContract, waitForTransactionReceipt } from "viem/actions";
import { startSystem, registerCompiled, MODEL_TERMS, type System } from "../devnet/test/startSystem.ts";
import { registerModel } from "../devnet/deployManifest.ts";
import { ORACLE } from "../chain/deploy.ts";
import { captureLogs } from "../daemon/test/captureLogs.ts";
import { loadServedModels, ModelMismatchError } from "../daemon/setup.ts";
import { encodeModel } from "../dnn-lib/src/model/modelFile.ts";
import type { Model } from "../dnn-lib/src/model/Model.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { compileModel, type CompiledModel } from "../phase/compileModel.ts";
import { loadModelSource } from "../dnn-lib/models/modelSource.ts";
import { SlotTree } from "../commitment/slotTree.ts";
import {
  estimateFee,
  getRequestStatus,
  InputTokenOutOfRangeError,
  oracleCall,
  opmlOracleAbi,
  requestInference,
} from "../sdk/index.ts";
import { submitClaim } from "../sdk/operator/index.ts";

let sys: System;
let source: Model;
let compiled: CompiledModel;
/** gpt served as a model whose trap no check predicts: its honest run traps in the native kernel. */
let trapping: ServedModel;
/** gpt registered with its bound (64), and the same graph registered without one. */
let bounded: bigint;
let loose: bigint;

before(async () => {
  sys = await startSystem();
  source = (await loadModelSource("gpt")).model;
  compiled = await compileModel(source);
  bounded = await registerCompiled(sys.clients[0]!, sys.oracle, compiled);
  const unbound = { ...compiled, commitment: { ...compiled.commitment, inputTokenBound: 0 } };
  trapping = await ServedModel.create(unbound);
  loose = (await registerModel(sys.clients[0]!, sys.oracle, unbound, MODEL_TERMS)).modelId;
});
after(async () => {
  await sys?.stop();
});

const dapp = () => sys.clients[1]!.walletClient;
const ids = (...set: [number, number][]) => {
  const words = new Int32Array(compiled.model.inputLength / 4).fill(3);
  for (const [i, v] of set) words[i] = v;
  return new Uint8Array(words.buffer);
};
const requestCount = () =>
  readContract(sys.clients[0]!.publicClient, { address: sys.oracle, abi: opmlOracleAbi, functionName: "requestCount" });
const outOfRange = (position: number, value: number) => (e: unknown) =>
  e instanceof InputTokenOutOfRangeError && e.position === position && e.value === value && e.bound === 64;

test("gpt registers its bound (64); an out-of-range token id is refused by the SDK before sending and by the oracle, naming the same position and value", async () => {
  assert.equal(compiled.commitment.inputTokenBound, 64);
  const before = await requestCount();
  const oracle = sys.oracle;
  for (const [position, value] of [
    [5, 64],
    [2, -7],
  ] as const) {
    const input = ids([position, value]);
    await assert.rejects(requestInference(dapp(), { oracle, modelId: bounded, input }), outOfRange(position, value));
    // The oracle's own check, reached past the SDK's: the revert decodes to the same error.
    const fee = await estimateFee(dapp(), { oracle, modelId: bounded });
    await assert.rejects(
      oracleCall(() =>
        simulateContract(dapp(), {
          address: oracle,
          abi: opmlOracleAbi,
          functionName: "requestInference",
          args: [bounded, bytesToHex(input), zeroAddress, 0, "0x"],
          value: fee,
          account: dapp().account,
        }),
      ),
      outOfRange(position, value),
    );
  }
  // Without a registered bound, the model file's own bound refuses it.
  await assert.rejects(
    requestInference(dapp(), { oracle, modelId: loose, input: ids([0, 100]), model: compiled.model }),
    outOfRange(0, 100),
  );
  assert.equal(await requestCount(), before, "nothing was sent");
  // A submitter's run checks the bound before running.
  const served = await ServedModel.create(compiled);
  assert.throws(() => served.claim(ids([0, 100])), outOfRange(0, 100));
  const ok = await requestInference(dapp(), { oracle, modelId: bounded, input: ids([5, 63]) });
  assert.equal((await getRequestStatus(dapp(), { oracle, requestId: ok.requestId })).status, "open");
});

test("a request whose input traps the model produces one log line per daemon and no retries, restarts included; the requester cancels it", async () => {
  const oracle = sys.oracle;
  const pc = sys.clients[0]!.publicClient;
  const fromBlock = (await pc.getBlockNumber({ cacheTime: 0 })) + 1n;
  const { requestId } = await requestInference(dapp(), { oracle, modelId: loose, input: ids([0, 100]) });
  const models = new Map([[loose, trapping]]);
  const subDir = mkdtempSync(join(tmpdir(), "opml-trap-submitter-"));
  const chalDir = mkdtempSync(join(tmpdir(), "opml-trap-challenger-"));
  const subLogs = captureLogs();
  const chalLogs = captureLogs();
  const submitter = () =>
    new SubmitterDaemon({
      client: sys.clients[2]!.walletClient,
      oracle,
      models,
      logger: subLogs.logger,
      fromBlock,
      withdraw: false,
      dataDir: subDir,
    });
  const challenger = () =>
    new ChallengerDaemon({
      client: sys.clients[3]!.walletClient,
      oracle,
      mode: "defend",
      models,
      logger: chalLogs.logger,
      fromBlock,
      withdraw: false,
      dataDir: chalDir,
    });

  const s1 = submitter();
  for (let i = 0; i < 3; i++) await s1.tick();
  assert.equal(s1.failures.stats.runs, 1, "the submitter ran the request once");
  assert.equal((await getRequestStatus(pc, { oracle, requestId })).status, "open", "and did not claim it");

  // A liar claims it anyway: any output, proved under a made-up S_N.
  const tree = new SlotTree();
  const output = new Uint8Array(compiled.commitment.outputLength);
  tree.setSlot(compiled.commitment.outputSlot, output);
  const { claimId } = await submitClaim(sys.clients[4]!.walletClient, {
    oracle,
    requestId,
    finalState: bytesToHex(tree.root()),
    output: bytesToHex(output),
    outputSlotProof: tree.prove(compiled.commitment.outputSlot).map((s) => bytesToHex(s)),
  });
  const c1 = challenger();
  for (let i = 0; i < 3; i++) await c1.tick();
  assert.equal(c1.failures.stats.runs, 1, "the challenger ran the claim's request once");
  const verdict = c1.verdicts.find((v) => v.claimId === claimId);
  assert.equal(verdict?.correct, false);
  assert.equal(verdict.failure?.error, "DnnKernelTrapError");
  assert.equal(c1.games.size, 0, "no game over a claim it cannot re-execute");

  // Restarts on the same data directories: the rescan sees the request and the claim again.
  const s2 = submitter();
  const c2 = challenger();
  for (let i = 0; i < 2; i++) {
    await s2.tick();
    await c2.tick();
  }
  assert.equal(s2.failures.stats.runs, 0, "not re-run after a restart");
  assert.equal(c2.failures.stats.runs, 0, "not re-run after a restart");
  assert.ok(
    c2.verdicts.some((v) => v.claimId === claimId && v.failure),
    "the restart knows the claim is wrong",
  );

  for (const [who, logs] of [
    ["submitter", subLogs],
    ["challenger", chalLogs],
  ] as const) {
    const loud = logs.lines.filter((l) => (l.level as number) >= 40);
    assert.equal(loud.length, 1, `${who}: one warning in all, got ${JSON.stringify(loud)}`);
    const [line] = loud;
    assert.equal(line!.requestId, String(requestId));
    const failure = line!.failure as { error: string; message: string };
    assert.equal(failure.error, "DnnKernelTrapError");
    assert.match(failure.message, /^node 0 \(gather\): the simd kernel trapped$/, "names the node");
    assert.ok(!logs.raw.some((r) => r.includes('"stack"')), `${who}: no stack trace`);
  }

  // No valid claim exists: the requester cancels once the request timeout has passed. The liar's
  // claim stands in the way until its window closes unchallenged, so the test cancels a second,
  // unclaimed request of the same input.
  const second = await requestInference(dapp(), { oracle, modelId: loose, input: ids([0, 100]) });
  await s2.tick();
  assert.equal(s2.failures.stats.runs, 0, "the same input in another request is not run either");
  assert.equal(
    subLogs.lines.filter((l) => l.requestId === String(second.requestId) && (l.level as number) >= 40).length,
    1,
    "and is reported once for that request",
  );
  await sys.advance(Number(ORACLE.requestTimeout));
  const hash = await writeContract(dapp(), {
    address: oracle,
    abi: opmlOracleAbi,
    functionName: "cancelRequest",
    args: [second.requestId],
    chain: dapp().chain,
  });
  await waitForTransactionReceipt(pc, { hash });
  assert.equal((await getRequestStatus(pc, { oracle, requestId: second.requestId })).status, "cancelled");
});

test("a daemon serves gpt's model file under the registration with its bound, and refuses the one without it (ModelMismatchError)", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "opml-trap-model-")), "gpt.opml");
  writeFileSync(file, encodeModel(source));
  const { logger } = captureLogs();
  const pc = sys.clients[0]!.publicClient;
  const served = await loadServedModels(pc, sys.oracle, [`${bounded}=${file}`], logger);
  assert.equal(served.get(bounded)?.compiled.commitment.inputTokenBound, 64);
  await assert.rejects(loadServedModels(pc, sys.oracle, [`${loose}=${file}`], logger), ModelMismatchError);
});
