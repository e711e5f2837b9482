import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { Hex } from "viem";
import {
  startSystem,
  pastDeadline,
  manualChallenger,
  GAME,
  MODEL_TERMS,
  type System,
} from "../devnet/test/startSystem.ts";
import { createLogger } from "../daemon/logger.ts";
import { captureLogs } from "../daemon/test/captureLogs.ts";
import { readGame, submitClaim } from "../sdk/operator/index.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { requestInference, getRequestStatus, waitForResult } from "../sdk/index.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { GameStatus, Phase } from "../bisection/index.ts";
import { kernelProgram } from "../phase/runInVm.ts";
import { COMPILED, ProgramJit } from "../vm/index.ts";

// Disputes on anvil with the real contracts: a submitter daemon that lies at a chosen node is
// challenged by a defend-mode challenger daemon, level 1 is played by both daemons down to the
// lied node (the game reaches openPhase2 on exactly that node), the liar cannot open phase 2 and
// loses on time; an honest submitter then gets the request finalized. A silent challenger loses
// on time to the honest submitter. Watch mode only reports.

let sys: System;
let served: ServedModel;
before(async () => {
  sys = await startSystem();
  served = await ServedModel.create(sys.compiled);
});
after(async () => {
  await sys?.stop();
});

const quiet = () =>
  process.env.OPML_TEST_LOGS
    ? createLogger()
    : createLogger({
        destination: new Writable({
          write: (_c, _e, cb) => cb(),
        }),
      });
const models = () => new Map([[sys.modelId, served]]);
const pc = () => sys.clients[0]!.publicClient;

async function request(seed: number): Promise<{ requestId: bigint; input: Uint8Array }> {
  const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + seed * 7) & 0xff);
  const r = await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId: sys.modelId, input });
  return { requestId: r.requestId, input };
}

const payouts = (who: Hex) =>
  sys.clients[0]!.publicClient.readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "payouts",
    args: [who],
  });

for (const lieAtNode of [0, 1, 2]) {
  test(`a submitter lying at node ${lieAtNode} is caught at that node and loses; an honest claim then finalizes`, async () => {
    const { requestId } = await request(lieAtNode);
    const liar = new SubmitterDaemon({
      client: sys.clients[2]!.walletClient,
      oracle: sys.oracle,
      models: models(),
      logger: quiet(),
      lieAtNode,
      withdraw: false,
    });
    const challenger = new ChallengerDaemon({
      client: sys.clients[3]!.walletClient,
      oracle: sys.oracle,
      mode: "defend",
      models: models(),
      logger: quiet(),
      withdraw: false,
    });
    await liar.tick(); // claims the lie
    await challenger.tick(); // re-executes, challenges
    const verdict = challenger.verdicts.find((v) => v.requestId === requestId)!;
    assert.equal(verdict.correct, false);
    const [gameId] = [...challenger.games.keys()].filter((g) => challenger.games.get(g) === verdict.claimId);
    assert.ok(gameId !== undefined, "a game was opened");
    for (let i = 0; i < 4; i++) {
      await liar.tick(); // bisects with its (lying) states
      await challenger.tick(); // chooses the first segment that differs
    }
    const g = await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId });
    assert.equal(g.status, GameStatus.InProgress);
    assert.equal(g.phase, Phase.OpenPhase2, "level 1 is down to one node");
    assert.equal(g.level, 1);
    assert.equal(g.lo, BigInt(lieAtNode), "the disputed node is the lied one");
    assert.equal(g.hi, BigInt(lieAtNode) + 1n);
    assert.equal(g.startHash, served.claim(await input(requestId)).states[lieAtNode], "agreed S_i is the true one");

    // The liar cannot open phase 2; its clock runs out and the challenger claims the timeout.
    const before = await payouts(sys.clients[3]!.walletClient.account.address);
    await pastDeadline(sys, gameId);
    await challenger.tick();
    const after = await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId });
    assert.equal(after.status, GameStatus.ChallengerWon);
    const s = await getRequestStatus(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId });
    assert.equal(s.status, "open", "the rejected claim reopened the request");
    const won = (await payouts(sys.clients[3]!.walletClient.account.address)) - before;
    assert.equal(won, MODEL_TERMS.submitterBond / 2n + MODEL_TERMS.challengerBond, "half the liar's bond burned");

    // An honest submitter claims; the challenger agrees; the request finalizes with the truth.
    const honest = new SubmitterDaemon({
      client: sys.clients[4]!.walletClient,
      oracle: sys.oracle,
      models: models(),
      logger: quiet(),
    });
    await honest.tick();
    await challenger.tick();
    assert.ok(challenger.verdicts.some((v) => v.requestId === requestId && v.correct));
    await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
    await honest.tick();
    const out = await waitForResult(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId, timeoutMs: 5000 });
    assert.equal(out, verdict.truth?.output);
  });
}

async function input(requestId: bigint): Promise<Uint8Array> {
  const { requestInput } = await import("../sdk/operator/index.ts");
  const { hexToBytes } = await import("viem");
  return hexToBytes(await requestInput(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId }));
}

test("a silent liar (never bisects) loses on time", async () => {
  const { requestId, input: x } = await request(11);
  const lie = served.claim(x, { lieAtNode: 1 });
  await submitClaim(sys.clients[2]!.walletClient, { oracle: sys.oracle, requestId, ...lie });
  const challenger = new ChallengerDaemon({
    client: sys.clients[3]!.walletClient,
    oracle: sys.oracle,
    mode: "defend",
    models: models(),
    logger: quiet(),
  });
  await challenger.tick();
  const gameId = [...challenger.games.keys()].pop()!;
  await challenger.tick(); // nothing due: the defender is on move, its clock is running
  assert.equal((await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId })).phase, Phase.Bisect);
  await pastDeadline(sys, gameId);
  await challenger.tick();
  assert.equal(
    (await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId })).status,
    GameStatus.ChallengerWon,
  );
  assert.equal(
    (await getRequestStatus(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId })).status,
    "open",
  );
});

test("a silent challenger (opens a game against an honest claim, never chooses) loses on time", async () => {
  const { requestId } = await request(12);
  const honest = new SubmitterDaemon({
    client: sys.clients[4]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: quiet(),
    withdraw: false,
  });
  await honest.tick();
  const griefer = sys.clients[5]!;
  const hash = await griefer.walletClient.writeContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "challenge",
    args: [requestId],
    value: MODEL_TERMS.challengerBond,
  });
  await griefer.publicClient.waitForTransactionReceipt({ hash });
  await honest.tick(); // sees the game, bisects
  const gameId = [...honest.games.keys()].pop()!;
  assert.equal((await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId })).phase, Phase.Choose);
  await pastDeadline(sys, gameId);
  await honest.tick(); // claims the timeout
  const g = await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId });
  assert.equal(g.status, GameStatus.DefenderWon);
  const deadline = await sys.clients[0]!.publicClient.readContract({
    address: sys.game,
    abi: disputeGameAbi,
    functionName: "deadlineOf",
    args: [gameId],
  }).catch(() => "not in progress");
  assert.equal(deadline, "not in progress");
  const [settled] = await sys.clients[0]!.publicClient.getContractEvents({
    address: sys.oracle,
    abi: opmlOracleAbi,
    eventName: "GameSettled",
    args: { gameId },
    fromBlock: 0n,
  });
  assert.equal(settled!.args.defenderWon, true);
  assert.equal(
    settled!.args.burned,
    MODEL_TERMS.challengerBond / 2n,
    "half the griefer's bond burned, half to the submitter",
  );
  // The claim is still active and finalizes after its window (already past).
  await honest.tick();
  assert.equal(
    (await getRequestStatus(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId })).status,
    "finalized",
  );
});

test("watch mode reports a wrong claim and sends nothing (no key)", async () => {
  const { requestId, input: x } = await request(13);
  await submitClaim(sys.clients[2]!.walletClient, {
    oracle: sys.oracle,
    requestId,
    ...served.claim(x, { lieAtNode: 2 }),
  });
  const { lines, logger } = captureLogs();
  const watcher = new ChallengerDaemon({
    client: sys.clients[0]!.publicClient,
    oracle: sys.oracle,
    mode: "watch",
    models: models(),
    logger,
  });
  await watcher.tick();
  const v = watcher.verdicts.find((x) => x.requestId === requestId)!;
  assert.equal(v.correct, false);
  assert.ok(lines.some((l) => l.msg === "WRONG CLAIM" && l.requestId === String(requestId)));
  assert.equal(watcher.games.size, 0);
  assert.equal(
    (await getRequestStatus(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId })).claim?.openGames,
    0,
  );
});

test("a wrong challenger loses: the honest submitter opens phase 2 at node 1 through the real PhaseBoundary, bisects the VM run and wins by the on-chain step", async () => {
  const { requestId } = await request(14);
  const honest = new SubmitterDaemon({
    client: sys.clients[4]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: quiet(),
    withdraw: false,
  });
  await honest.tick(); // claims
  const wrong = manualChallenger(sys, 5);
  const gameId = await wrong.challenge(requestId);
  await honest.tick(); // bisects [0, 3]
  // The wrong challenger disputes node 1 although S_1 and S_2 are true.
  await wrong.choose(gameId, 1n);
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.OpenPhase2);
  await honest.tick(); // opens phase 2
  const g = await readGame(pc(), { game: sys.game, gameId });
  assert.equal(g.level, 2);
  assert.equal(g.node, 1);
  assert.equal(g.phase, Phase.Bisect);
  assert.equal(g.lo, 0n);
  assert.equal(g.hi, 1n << GAME.stepDepth);
  const [opened] = await pc().getContractEvents({
    address: sys.game,
    abi: disputeGameAbi,
    eventName: "Phase2Opened",
    args: { gameId },
    fromBlock: 0n,
  });
  assert.equal(opened!.args.node, 1);
  assert.equal(opened!.args.finalVmState, g.endHash);

  // Level 2: the wrong challenger keeps disputing the first sub-segment; the honest submitter
  // bisects its VM run each time, then executes the final step on chain.
  let rounds = 0;
  for (let i = 0; i < 40; i++) {
    const v = await readGame(pc(), { game: sys.game, gameId });
    if (v.status !== GameStatus.InProgress) break;
    if (v.phase === Phase.Choose) {
      await wrong.choose(gameId, 0n);
      rounds++;
    } else await honest.tick();
  }
  const end = await readGame(pc(), { game: sys.game, gameId });
  assert.equal(end.status, GameStatus.DefenderWon, "the honest defender won by the step");
  assert.equal(honest.work.traces.stats.recorded, 1, "one VM run of node 1 served the opening and every level-2 move");
  assert.ok(rounds >= 15, `level 2 took ${rounds} rounds`);
  const [stepped] = await pc().getContractEvents({
    address: sys.game,
    abi: disputeGameAbi,
    eventName: "StepExecuted",
    args: { gameId },
    fromBlock: 0n,
  });
  assert.equal(stepped!.args.stepIndex, 0n);
  assert.equal(stepped!.args.postState, stepped!.args.claimed);
});

test("a submitter wrong at a single VM step inside node 1 opens phase 2 validly and is caught by the on-chain step", async () => {
  const { requestId } = await request(15);
  const liar = new SubmitterDaemon({
    client: sys.clients[2]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: quiet(),
    lieAtNode: 1,
    lieInVm: true,
    withdraw: false,
  });
  const challenger = new ChallengerDaemon({
    client: sys.clients[3]!.walletClient,
    oracle: sys.oracle,
    mode: "defend",
    models: models(),
    logger: quiet(),
    withdraw: false,
  });
  await liar.tick();
  await challenger.tick();
  const verdict = challenger.verdicts.find((v) => v.requestId === requestId)!;
  const gameId = [...challenger.games.keys()].find((g) => challenger.games.get(g) === verdict.claimId)!;
  for (let i = 0; i < 40; i++) {
    const g = await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId });
    if (g.status !== GameStatus.InProgress) break;
    await liar.tick();
    await challenger.tick();
  }
  const g = await readGame(sys.clients[0]!.publicClient, { game: sys.game, gameId });
  assert.equal(g.status, GameStatus.ChallengerWon);
  assert.equal(g.level, 2, "the liar passed the phase boundary");
  assert.equal(g.node, 1);
  const q = { address: sys.game, abi: disputeGameAbi, args: { gameId }, fromBlock: 0n } as const;
  const pcl = sys.clients[0]!.publicClient;
  const [stepped] = await pcl.getContractEvents({ ...q, eventName: "StepExecuted" });
  assert.ok(stepped, "decided by the step");
  assert.notEqual(stepped.args.postState, stepped.args.claimed);
  const [resolved] = await pcl.getContractEvents({ ...q, eventName: "GameResolved" });
  assert.equal(resolved!.args.byTimeout, false);
  // The claim is rejected (the request reopened; the still-running liar may claim it again).
  const [rejected] = await pcl.getContractEvents({
    address: sys.oracle,
    abi: opmlOracleAbi,
    eventName: "ClaimRejected",
    args: { gameId },
    fromBlock: 0n,
  });
  assert.equal(rejected!.args.claimId, verdict.claimId);
  // The daemons' VM runs (node traces, the states and the proof of level 2) went through the
  // tiered executor: the kernel program has functions compiled, and steps were run in them.
  const jit = ProgramJit.of(await kernelProgram());
  assert.ok(jit.state.includes(COMPILED) && jit.compiledSteps > 0, "the level-2 VM runs used the compiled tier");
});
