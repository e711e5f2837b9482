import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createPublicClient, createTestClient, createWalletClient, custom, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startSystem, manualChallenger, MODEL_TERMS, type System } from "../devnet/test/startSystem.ts";
import { createLogger } from "../daemon/logger.ts";
import { Journal } from "../daemon/journal.ts";
import { readGame } from "../sdk/operator/index.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { requestInference, getRequestStatus } from "../sdk/index.ts";
import { GameStatus, Phase } from "../bisection/index.ts";
import { captureLogs } from "../daemon/test/captureLogs.ts";

// The data directory as a cache, on anvil with the real contracts: a restarted daemon resumes its
// event scans from the saved cursor (less the reorg margin) instead of block 0 — counted on the
// RPC through a recording transport — and answers level-2 moves from the saved VM trace; corrupt
// cache files are logged and rebuilt and the daemon still wins; with its clock tight, a
// challenger warns with the estimate and the clock left and traces the disputed node while the
// defender is on move, and a defender traces the nodes the challenger may pick while it chooses.

let sys: System;
let served: ServedModel;
before(async () => {
  sys = await startSystem();
  served = await ServedModel.create(sys.compiled);
});
after(async () => {
  await sys?.stop();
});

const MARGIN = 5n;
const models = () => new Map([[sys.modelId, served]]);
const pc = () => sys.clients[0]!.publicClient;
const tmp = () => mkdtempSync(join(tmpdir(), "opml-cache-"));

/** A wallet client for dev account `i` whose transport records every eth_getLogs filter. */
function recordingWallet(i: number) {
  const getLogs: { address?: string; fromBlock: bigint; topics: unknown[] }[] = [];
  const inner = createPublicClient({ transport: http(sys.anvil.rpcUrl) });
  const transport = custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method === "eth_getLogs") {
        const f = (params as { address?: string; fromBlock: Hex; topics?: unknown[] }[])[0]!;
        getLogs.push({ address: f.address, fromBlock: BigInt(f.fromBlock), topics: f.topics ?? [] });
      }
      return inner.request({ method, params } as never);
    },
  });
  const client = createWalletClient({
    chain: sys.clients[i]!.chain,
    transport,
    account: privateKeyToAccount(sys.anvil.accounts[i]!.privateKey),
    pollingInterval: 50,
  });
  /** Scans over every event of the oracle (only the event signature as topic: not one request's or game's). */
  const oracleScans = () =>
    getLogs.filter((l) => l.address?.toLowerCase() === sys.oracle.toLowerCase() && l.topics.length <= 1);
  return { client, getLogs, oracleScans };
}

async function request(seed: number): Promise<bigint> {
  const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 17 + seed * 3) & 0xff);
  return (await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId: sys.modelId, input }))
    .requestId;
}

/** The block the next transaction lands in (read afresh: viem caches the block number briefly). */
const nextBlock = async () => (await pc().getBlockNumber({ cacheTime: 0 })) + 1n;

const mine = (blocks: number) =>
  createTestClient({ mode: "anvil", transport: http(sys.anvil.rpcUrl) }).mine({ blocks });

// Each test's daemons start at the block its own request is made in: a liar with fresh memory
// would otherwise claim every request an earlier test's game reopened, and a challenger follow it.
const liar = (fromBlock: bigint) =>
  new SubmitterDaemon({
    client: sys.clients[2]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    lieAtNode: 1,
    lieInVm: true,
    fromBlock,
    withdraw: false,
  });

/** Advances chain time until the side on move in `gameId` has `seconds` left on its clock. */
async function runClockDownTo(gameId: bigint, seconds: number): Promise<void> {
  const deadline = await pc().readContract({
    address: sys.game,
    abi: disputeGameAbi,
    functionName: "deadlineOf",
    args: [gameId],
  });
  await sys.advance(Number(deadline - (await pc().getBlock()).timestamp) - seconds);
}

async function playOut(gameId: bigint, ...daemons: { tick(): Promise<void> }[]): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if ((await readGame(pc(), { game: sys.game, gameId })).status !== GameStatus.InProgress) return;
    for (const d of daemons) await d.tick();
  }
}

test("a restarted submitter resumes its event scans from the saved cursor less the reorg margin, not block 0, and still finalizes its claim", async () => {
  const requestId = await request(1);
  const dataDir = tmp();
  const a = new SubmitterDaemon({
    client: sys.clients[4]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: captureLogs({ level: "debug" }).logger,
    journal: new Journal(dataDir),
    reorgMargin: MARGIN,
  });
  await a.tick(); // claims
  await mine(30);
  await a.tick(); // nothing to do; the cursor moves to the head
  const cursor = a.cursor.nextBlock - 1n;
  assert.ok(cursor > 30n);

  // "Killed"; B has no memory but the same data directory, and its RPC calls are recorded.
  await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
  const rec = recordingWallet(4);
  const b = new SubmitterDaemon({
    client: rec.client,
    oracle: sys.oracle,
    models: models(),
    logger: captureLogs({ level: "debug" }).logger,
    journal: new Journal(dataDir),
    reorgMargin: MARGIN,
  });
  await b.tick();
  assert.equal((await getRequestStatus(pc(), { oracle: sys.oracle, requestId })).status, "finalized");
  const scans = rec.oracleScans();
  assert.ok(scans.length >= 1, "it scanned the oracle's events");
  assert.deepEqual(
    [...new Set(scans.map((s) => s.fromBlock))],
    [cursor + 1n - MARGIN],
    "every oracle-wide scan starts a reorg margin before the saved cursor",
  );

  // Control: the same daemon with an empty data directory scans from block 0.
  const rec0 = recordingWallet(4);
  await new SubmitterDaemon({
    client: rec0.client,
    oracle: sys.oracle,
    models: models(),
    logger: captureLogs({ level: "debug" }).logger,
    journal: new Journal(tmp()),
    withdraw: false,
  }).tick();
  assert.ok(rec0.oracleScans().some((s) => s.fromBlock === 0n));
});

/**
 * A liar at node 1 (wrong at one VM step) and a first defend-mode challenger with data directory
 * `dataDir`, played until level 2 waits for the challenger's choice: the challenger has traced
 * node 1 by then. Returns the game and the options a restarted challenger is made with.
 */
async function gameAtLevel2(seed: number, dataDir: string) {
  const fromBlock = await nextBlock();
  await request(seed);
  const l = liar(fromBlock);
  const opts = {
    oracle: sys.oracle,
    mode: "defend" as const,
    models: models(),
    journal: new Journal(dataDir),
    reorgMargin: MARGIN,
    fromBlock,
    withdraw: false,
  };
  const first = new ChallengerDaemon({
    ...opts,
    client: sys.clients[3]!.walletClient,
    logger: captureLogs({ level: "debug" }).logger,
  });
  await l.tick();
  await first.tick(); // challenges
  const gameId = [...first.games.keys()].pop()!;
  for (let i = 0; i < 10; i++) {
    const g = await readGame(pc(), { game: sys.game, gameId });
    if (g.level === 2 && g.phase === Phase.Choose) break;
    await l.tick();
    await first.tick();
  }
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).level, 2);
  return { gameId, liar: l, first, opts, fromBlock };
}

test("a restarted challenger answers level 2 from the saved VM trace (no VM run after the restart) and wins by the on-chain step", async () => {
  const { gameId, liar: l, first, opts, fromBlock } = await gameAtLevel2(2, tmp());
  assert.deepEqual(first.work.traces.stats, { recorded: 1, loaded: 0 });
  const resumeAt = first.cursor.nextBlock - MARGIN;
  assert.ok(resumeAt > fromBlock);

  const rec = recordingWallet(3);
  const logs = captureLogs({ level: "debug" });
  const second = new ChallengerDaemon({ ...opts, client: rec.client, logger: logs.logger });
  await playOut(gameId, second, l);
  const g = await readGame(pc(), { game: sys.game, gameId });
  assert.equal(g.status, GameStatus.ChallengerWon);
  const [stepped] = await pc().getContractEvents({
    address: sys.game,
    abi: disputeGameAbi,
    eventName: "StepExecuted",
    args: { gameId },
    fromBlock: 0n,
  });
  assert.ok(stepped, "decided by the on-chain step");
  assert.deepEqual(second.work.traces.stats, { recorded: 0, loaded: 1 }, "the node's run came from the data directory");
  assert.deepEqual(second.work.claims.stats, { computed: 0, loaded: 1 }, "so did S_0 … S_N");
  const scans = rec.oracleScans();
  assert.equal(scans[0]?.fromBlock, resumeAt, "the first scan starts a reorg margin before the saved cursor");
  assert.ok(
    scans.every((s) => s.fromBlock >= resumeAt),
    "no oracle-wide scan from the first block again",
  );
  assert.ok(
    !rec.getLogs.some((l) => l.address?.toLowerCase() === sys.oracle.toLowerCase() && l.topics.length > 1),
    "the request's input came from the data directory, not a scan for its event",
  );
  assert.ok(logs.lines.some((l) => l.msg === "resuming from the saved event cursor"));
});

test("corrupt cache files (event cursor, level-1 claim, level-2 trace) are logged and rebuilt; the restarted challenger still wins", async () => {
  const dataDir = tmp();
  const { gameId, liar: l, opts } = await gameAtLevel2(3, dataDir);
  // Damage every file the first daemon left: a flipped byte in the traces, a torn state file.
  const files = (sub: string) => readdirSync(join(dataDir, sub)).map((f) => join(dataDir, sub, f));
  for (const f of [...files("l1"), ...files("l2")]) {
    const b = readFileSync(f);
    b[b.length - 3]! ^= 0x40;
    writeFileSync(f, b);
  }
  for (const f of files("state")) writeFileSync(f, readFileSync(f).subarray(0, 30));

  const logs = captureLogs({ level: "debug" });
  const second = new ChallengerDaemon({ ...opts, client: sys.clients[3]!.walletClient, logger: logs.logger });
  await playOut(gameId, second, l);
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).status, GameStatus.ChallengerWon);
  const rejected = logs.lines.filter((x) => x.msg === "cache file rejected; rebuilding it");
  assert.deepEqual(
    new Set(rejected.map((x) => x.kind)),
    new Set(["event-cursor", "level1-claim", "level2-vm-trace"]),
    "each damaged file was noticed",
  );
  assert.ok(rejected.every((x) => x.problem === "corrupt" && x.level === 40));
  assert.equal(second.work.traces.stats.recorded, 1, "the trace was rebuilt by a VM run");
  assert.equal(second.work.claims.stats.computed, 1, "the claim was recomputed");
  assert.ok(second.games.has(gameId), "with its state file gone, it found its game again by rescanning the chain");
});

test("with its clock tight, a challenger warns with the estimate and the clock left, and traces the disputed node while the defender is on move", async () => {
  const fromBlock = await nextBlock();
  await request(4);
  const l = liar(fromBlock);
  const logs = captureLogs({ level: "debug" });
  const c = new ChallengerDaemon({
    client: sys.clients[3]!.walletClient,
    oracle: sys.oracle,
    mode: "defend",
    models: models(),
    logger: logs.logger,
    journal: new Journal(tmp()),
    fromBlock,
    withdraw: false,
  });
  await l.tick(); // claims
  await c.tick(); // challenges
  const gameId = [...c.games.keys()].pop()!;
  await l.tick(); // bisects: the challenger is on move
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.Choose);
  // Let the challenger's clock run down to 28 s, less than the 30 s kept for getting a move mined.
  await runClockDownTo(gameId, 28);
  await c.tick(); // chooses node 1: the defender must open phase 2 there
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.OpenPhase2);
  assert.equal(c.work.traces.stats.recorded, 0);
  await c.tick(); // the defender is on move: trace node 1 now, off our clock
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.OpenPhase2, "the liar has not moved");
  assert.equal(c.work.traces.stats.recorded, 1, "traced ahead");
  const tight = logs.lines.find((x) => x.msg === "clock tight for the VM run of the disputed node")!;
  assert.ok(tight, "a warning was logged");
  assert.equal(tight.level, 40);
  assert.equal(tight.node, 1);
  assert.equal(tight.gameId, String(gameId));
  assert.ok(typeof tight.computeS === "number" && typeof tight.clockLeftS === "number");
  assert.ok(tight.clockLeftS <= 28 && tight.clockLeftS > 0);
  assert.ok(logs.lines.some((x) => x.msg === "tracing the disputed node ahead, while the opponent is on move"));
  assert.ok(logs.lines.some((x) => x.msg === "measured this machine's VM speed" && (x.stepsPerSecond as number) > 0));

  await playOut(gameId, l, c);
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).status, GameStatus.ChallengerWon);
  assert.equal(c.work.traces.stats.recorded, 1, "level 2 was played from the trace made ahead");
});

test("with its clock tight, an honest defender traces every node the challenger may pick while it chooses, and opens phase 2 from that trace", async () => {
  const fromBlock = await nextBlock();
  const requestId = await request(5);
  const logs = captureLogs({ level: "debug" });
  const honest = new SubmitterDaemon({
    client: sys.clients[4]!.walletClient,
    oracle: sys.oracle,
    models: models(),
    logger: logs.logger,
    journal: new Journal(tmp()),
    fromBlock,
    withdraw: false,
  });
  await honest.tick(); // claims
  const griefer = manualChallenger(sys, 5);
  const gameId = await griefer.challenge(requestId);
  // The defender is on move: let its clock run down to 25 s before it bisects.
  await runClockDownTo(gameId, 25);
  await honest.tick(); // bisects [0, 3]: the challenger now picks one of nodes 0, 1, 2
  const g = await readGame(pc(), { game: sys.game, gameId });
  assert.equal(g.phase, Phase.Choose);
  assert.equal(honest.work.traces.stats.recorded, 0);
  await honest.tick(); // the challenger is on move: trace the candidates
  assert.equal(honest.work.traces.stats.recorded, 3, "nodes 0, 1 and 2 traced during the challenger's turn");
  const warned = logs.lines.find((x) => x.msg?.toString().startsWith("clock tight for opening the next node"))!;
  assert.ok(warned, "a warning was logged");
  assert.deepEqual(warned.nodes, [0, 1, 2]);
  assert.ok((warned.clockLeftS as number) <= 25 && typeof warned.computeS === "number");
  await griefer.choose(gameId, 1n);
  await honest.tick(); // opens phase 2 at node 1 from the trace made ahead
  const opened = await readGame(pc(), { game: sys.game, gameId });
  assert.equal(opened.level, 2);
  assert.equal(opened.node, 1);
  await honest.tick(); // bisects level 2
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).phase, Phase.Choose);
  assert.equal(honest.work.traces.stats.recorded, 3, "no further VM run");
});
