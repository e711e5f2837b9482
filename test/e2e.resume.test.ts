import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startSystem, pastDeadline, MODEL_TERMS, type System } from "../devnet/test/startSystem.ts";
import { createLogger } from "../daemon/logger.ts";
import { Journal } from "../daemon/journal.ts";
import { readGame } from "../sdk/operator/index.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { requestInference, getRequestStatus } from "../sdk/index.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { GameStatus, Phase } from "../bisection/index.ts";

// Restarts and crowds on anvil with the real contracts: a challenger daemon killed mid-game is
// replaced by a fresh one (empty memory, same data directory) that finds its game on chain and
// wins; two challengers at once against one liar both get paid their bond and a share of its.

let sys: System;
let served: ServedModel;
before(async () => {
  sys = await startSystem();
  served = await ServedModel.create(sys.compiled);
});
after(async () => {
  await sys?.stop();
});

const quiet = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const models = () => new Map([[sys.modelId, served]]);
const pc = () => sys.clients[0]!.publicClient;

async function request(seed: number): Promise<bigint> {
  const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 31 + seed * 5) & 0xff);
  return (await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId: sys.modelId, input }))
    .requestId;
}

const challenger = (account: number, dataDir?: string) =>
  new ChallengerDaemon({
    client: sys.clients[account]!.walletClient,
    oracle: sys.oracle,
    mode: "defend",
    models: models(),
    logger: quiet(),
    journal: dataDir ? new Journal(dataDir) : undefined,
    withdraw: false,
  });

test("a challenger killed mid-game resumes from the chain with empty memory and wins", async () => {
  const requestId = await request(1);
  const liar = new SubmitterDaemon({
    client: sys.clients[2]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: quiet(),
    lieAtNode: 1,
    withdraw: false,
  });
  const dataDir = mkdtempSync(join(tmpdir(), "opml-challenger-"));
  await liar.tick();
  const first = challenger(3, dataDir);
  await first.tick(); // challenges
  const [gameId] = [...first.games.keys()];
  assert.ok(gameId !== undefined);
  await liar.tick(); // bisects; the challenger is now on move
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.Choose);

  // "Killed": the first daemon is dropped. A new one starts with no memory, from the same data
  // directory (the event cursor and its games there), and re-reads the game from the chain.
  const second = challenger(3, dataDir);
  await second.tick(); // finds its game, chooses
  assert.ok(second.games.has(gameId));
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.OpenPhase2);
  await liar.tick(); // cannot open phase 2 for a wrong claim
  await pastDeadline(sys, gameId);
  await second.tick();
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).status, GameStatus.ChallengerWon);
  const journal = new Journal(dataDir).entries();
  assert.ok(journal.some((e) => e.action === "challenge" && e.phase === "mined"));
  assert.ok(journal.some((e) => e.action === "move:choose" && e.phase === "mined"));
  assert.ok(journal.some((e) => e.action === "move:timeout" && e.phase === "mined"));
  assert.equal((await getRequestStatus(pc(), { oracle: sys.oracle, requestId })).status, "open");
});

test("two challengers at once against one liar: the claim's forfeited bond, less the burn, is split between both games open at the rejection, and the second game to end is paid its bond and its share with nothing more burned", async () => {
  const requestId = await request(2);
  const liar = new SubmitterDaemon({
    client: sys.clients[2]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: quiet(),
    lieAtNode: 2,
    withdraw: false,
  });
  await liar.tick();
  const a = challenger(3);
  const b = challenger(4);
  await a.tick();
  await b.tick();
  const gameA = [...a.games.keys()].pop()!;
  const gameB = [...b.games.keys()].pop()!;
  assert.notEqual(gameA, gameB);
  const claim = (await getRequestStatus(pc(), { oracle: sys.oracle, requestId })).claim;
  assert.equal(claim?.openGames, 2);
  for (let i = 0; i < 3; i++) {
    await liar.tick();
    await a.tick();
    await b.tick();
  }
  for (const g of [gameA, gameB])
    assert.equal((await readGame(pc(), { game: sys.game, gameId: g })).phase, Phase.OpenPhase2);
  await pastDeadline(sys, gameA);
  await pastDeadline(sys, gameB);
  const payout = (account: number) =>
    pc().readContract({
      address: sys.oracle,
      abi: opmlOracleAbi,
      functionName: "payouts",
      args: [sys.anvil.accounts[account]!.address],
    });
  const before = [await payout(3), await payout(4)];
  await a.tick();
  await b.tick();
  for (const g of [gameA, gameB]) {
    assert.equal((await readGame(pc(), { game: sys.game, gameId: g })).status, GameStatus.ChallengerWon);
  }
  // (The daemons also serve the request the first test reopened: payouts mix games, so each
  // game's settlement is read from its GameSettled event.)
  const settled = await pc().getContractEvents({
    address: sys.oracle,
    abi: opmlOracleAbi,
    eventName: "GameSettled",
    fromBlock: 0n,
  });
  const of = (g: bigint) => settled.find((e) => e.args.gameId === g)!.args;
  const [first, second] = gameA < gameB ? [gameA, gameB] : [gameB, gameA];
  assert.equal(of(first).defenderWon, false);
  assert.equal(of(first).burned, MODEL_TERMS.submitterBond / 2n, "the liar's bond: half burned, half to the winner");
  assert.equal(of(second).burned, 0n, "the second game burns nothing more");
  // The current rule (protocol §8.4): both games were open at the rejection, so each is owed half
  // of the unburned bond, and each challenger is credited its bond and that share (at least: the
  // daemons may settle other games of theirs in the same ticks).
  const share = (MODEL_TERMS.submitterBond - MODEL_TERMS.submitterBond / 2n) / 2n;
  const held = await pc().readContract({
    address: sys.oracle,
    abi: opmlOracleAbi,
    functionName: "claimHeld",
    args: [claim.claimId],
  });
  assert.equal(held, share, "each game open at the rejection is owed half the unburned bond");
  const after = [await payout(3), await payout(4)];
  for (const i of [0, 1])
    assert.ok(
      after[i]! - before[i]! >= MODEL_TERMS.challengerBond + share,
      `challenger ${i + 3} got less than bond + share`,
    );
  assert.equal((await getRequestStatus(pc(), { oracle: sys.oracle, requestId })).status, "open");
});
