import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, custom, http, HttpRequestError, RpcRequestError } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startSystem, pastDeadline, MODEL_TERMS, type System } from "../devnet/test/startSystem.ts";
import { DEV_POLLING_INTERVAL_MS } from "../chain/devClients.ts";
import { captureLogs } from "../daemon/test/captureLogs.ts";
import { COMMON_OPTIONS, resolveConfig } from "../daemon/config.ts";
import { DaemonMetrics } from "../daemon/metrics.ts";
import { serveMetrics } from "../daemon/metricsServer.ts";
import { daemonParts } from "../daemon/setup.ts";
import { Journal } from "../daemon/journal.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { readGame, submitClaim } from "../sdk/operator/index.ts";
import { requestInference } from "../sdk/index.ts";
import { GameStatus } from "../bisection/index.ts";

// The operator's view of the daemons on anvil with the real contracts: a submitter's /metrics
// and /healthz over HTTP (healthy, then 503 while its RPC fails, then healthy again); the
// daemon set-up the `opml` commands use (endpoint on --metrics-port, no viem retries under the
// daemon's own); the start-up summary; a watchtower that serves no model says so and names each
// claim it does not check, once; a restarted challenger lists its open games; a failed move is
// one line with its back-off, and the game sits passes out; a claim already rejected on chain is
// not re-reported as WRONG CLAIM.

let sys: System;
let served: ServedModel;
before(async () => {
  sys = await startSystem();
  served = await ServedModel.create(sys.compiled);
});
after(async () => {
  await sys?.stop();
});

const pc = () => sys.clients[0]!.publicClient;
const models = () => new Map([[sys.modelId, served]]);

async function request(seed: number): Promise<{ requestId: bigint; input: Uint8Array }> {
  const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 23 + seed * 11) & 0xff);
  const r = await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId: sys.modelId, input });
  return { requestId: r.requestId, input };
}

/** A claim lying at node 1 posted by account 2, outside any daemon; its claim id. */
async function lie(seed: number): Promise<{ requestId: bigint; claimId: bigint }> {
  const { requestId, input } = await request(seed);
  const r = await submitClaim(sys.clients[2]!.walletClient, {
    oracle: sys.oracle,
    requestId,
    ...served.claim(input, { lieAtNode: 1 }),
  });
  return { requestId, claimId: r.claimId };
}

/**
 * Account `account`'s wallet client whose requests fail with `fault(method)` when it gives an
 * error; no viem retries, as in the daemons' own clients (one retry layer, the daemon's).
 */
function faultyClient(account: number, fault: (method: string) => Error | undefined) {
  const upstream = http(sys.anvil.rpcUrl)({ chain: sys.clients[account]!.chain });
  return createWalletClient({
    chain: sys.clients[account]!.chain,
    account: privateKeyToAccount(sys.anvil.accounts[account]!.privateKey),
    pollingInterval: DEV_POLLING_INTERVAL_MS,
    transport: custom(
      {
        async request({ method, params }: { method: string; params?: unknown }) {
          const err = fault(method);
          if (err) throw err;
          return upstream.request({ method, params } as never);
        },
      },
      { retryCount: 0 },
    ),
  });
}

/** The value of the series `name{labels}` in a Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `d` (start, first pass, summary) until its `ready` line is logged, then stops it; that line. */
async function startUntilReady(
  d: { start(): void; stop(): Promise<void> },
  lines: Record<string, unknown>[],
): Promise<Record<string, unknown>> {
  d.start();
  try {
    await until("the ready line", () => lines.some((l) => String(l.msg).startsWith("ready:")));
  } finally {
    await d.stop();
  }
  return lines.find((l) => String(l.msg).startsWith("ready:"))!;
}

test("a submitter's /metrics counts the request and its claim with balance and bond; /healthz is 200, 503 while the RPC fails, 200 again", async () => {
  let down = false;
  const client = faultyClient(2, () =>
    down ? new HttpRequestError({ url: sys.anvil.rpcUrl, details: "connect ECONNREFUSED (test fault)" }) : undefined,
  );
  const metrics = new DaemonMetrics({ labels: { role: "submitter" } });
  const server = await serveMetrics(metrics, { port: 0 });
  const { logger, lines } = captureLogs();
  const daemon = new SubmitterDaemon({
    client,
    oracle: sys.oracle,
    models: models(),
    logger,
    metrics,
    retry: { attempts: 2, backoffMs: 1, timeoutMs: 5000 },
    withdraw: false,
  });
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    return { status: r.status, text: await r.text() };
  };
  try {
    assert.equal((await get("/healthz")).status, 503, "no pass yet");
    const { requestId } = await request(1);
    const head = await pc().getBlockNumber({ cacheTime: 0 });
    await daemon.tick();
    assert.ok(lines.some((l) => l.msg === "claim submitted" && l.requestId === String(requestId)));
    const m = (await get("/metrics")).text;
    const r = 'role="submitter"';
    assert.equal(sample(m, `opml_requests_seen_total{${r}}`), 1);
    assert.equal(sample(m, `opml_claims_total{event="submitted",${r}}`), 1);
    const balance = await pc().getBalance({ address: client.account.address });
    assert.equal(sample(m, `opml_balance_wei{${r}}`), Number(balance));
    assert.equal(sample(m, `opml_passes_total{scan="ok",${r}}`), 1);
    assert.equal(sample(m, `opml_rpc_errors_total{call="getBalance",${r}}`), undefined, "no RPC error yet");
    let h = await get("/healthz");
    assert.equal(h.status, 200);
    const health = JSON.parse(h.text) as { status: string; syncedBlock: string };
    assert.equal(health.status, "ok");
    assert.equal(health.syncedBlock, String(head), "the block the pass scanned to");

    down = true;
    for (let i = 0; i < 3; i++) await daemon.tick();
    h = await get("/healthz");
    assert.equal(h.status, 503);
    assert.equal((JSON.parse(h.text) as { status: string }).status, "rpc failing");
    const failing = (await get("/metrics")).text;
    assert.equal(sample(failing, `opml_passes_total{scan="failed",${r}}`), 3);
    const rpcErrors = failing
      .split("\n")
      .filter((l) => l.startsWith("opml_rpc_errors_total{"))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    assert.ok(
      rpcErrors >= 3 * 2 * 2,
      `each attempt counted (2 attempts, at least scan and balance, 3 passes): ${rpcErrors}`,
    );

    down = false;
    await daemon.tick();
    assert.equal((await get("/healthz")).status, 200, "healthy once a scan reads the chain again");
  } finally {
    await server.close();
  }
});

test("the daemons' set-up serves /metrics on --metrics-port (0: a free port, named in the start-up line) and leaves retries to the daemon", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "opml-ops-parts-"));
  const cfg = resolveConfig(
    COMMON_OPTIONS,
    { rpcUrl: sys.anvil.rpcUrl, oracle: sys.oracle, dataDir, metricsPort: "0", rpcRetries: "3" },
    {},
  );
  const { destination, lines } = captureLogs();
  const p = await daemonParts(cfg, "challenger", "watch", destination);
  try {
    assert.ok(p.server);
    const start = lines.find((l) => l.msg === "opml challenger starting")!;
    assert.equal(start.metrics, `${p.server.url}/metrics`);
    assert.equal(p.publicClient.transport.retryCount, 0, "viem retries nothing under the daemon's retry layer");
    assert.equal(p.options.retry.attempts, 3);
    const d = new ChallengerDaemon({ ...p.options, client: p.publicClient, mode: "watch", models: models() });
    await d.tick();
    const r = await fetch(`${p.server.url}/metrics`);
    assert.match(await r.text(), /opml_passes_total\{scan="ok",role="challenger"\} 1/);
    assert.equal((await fetch(`${p.server.url}/healthz`)).status, 200);
  } finally {
    await p.stop();
  }
  await assert.rejects(fetch(`${p.server.url}/healthz`), "closed with the daemon");
});

test("a watchtower serving no models says so at start, and warns once per claim it does not check", async () => {
  const { claimId } = await lie(2);
  const { logger, lines } = captureLogs();
  const watcher = new ChallengerDaemon({
    client: pc(),
    oracle: sys.oracle,
    mode: "watch",
    models: new Map(),
    logger,
    pollMs: 10,
    stepsPerSecond: 1e6,
  });
  const ready = await startUntilReady(watcher, lines);
  assert.deepEqual([ready.models, ready.openGames, ready.balance, ready.bond], [[], [], null, null]);
  assert.ok(lines.some((l) => l.level === 40 && String(l.msg).startsWith("serving no models: no claim is checked")));
  await watcher.tick();
  await watcher.tick();
  const unserved = lines.filter(
    (l) => l.msg === "claim on a model this daemon does not serve: not checked" && l.claimId === String(claimId),
  );
  assert.equal(unserved.length, 1, "one line for the claim, not one per pass");
  assert.equal(unserved[0]!.level, 40);
  assert.equal(unserved[0]!.modelId, String(sys.modelId));
  assert.ok(!lines.some((l) => l.msg === "WRONG CLAIM"));
});

test("a restarted challenger lists its open games at start; a failed move is one line with its back-off; once it won, a watchtower rescanning from block 0 does not report the rejected claim as WRONG CLAIM", async () => {
  const fromBlock = (await pc().getBlockNumber({ cacheTime: 0 })) + 1n; // this test's claims only
  const { claimId } = await lie(3);
  const dataDir = mkdtempSync(join(tmpdir(), "opml-ops-restart-"));
  let failSends = 0;
  let sends = 0;
  const client = faultyClient(3, (method) => {
    if (method !== "eth_sendRawTransaction") return undefined;
    sends++;
    if (failSends === 0) return undefined;
    failSends--;
    return new RpcRequestError({ body: {}, error: { code: -32603, message: "internal error (test fault)" }, url: "" });
  });
  const challenger = (logger: ReturnType<typeof captureLogs>["logger"]) =>
    new ChallengerDaemon({
      client,
      oracle: sys.oracle,
      mode: "defend",
      models: models(),
      logger,
      journal: new Journal(dataDir),
      fromBlock,
      pollMs: 10,
      stepsPerSecond: 1e6,
      withdraw: false,
    });
  const first = challenger(captureLogs().logger);
  await first.tick(); // challenges the lie
  const gameId = [...first.games].find(([, c]) => c === claimId)?.[0];
  assert.ok(gameId !== undefined, "a game was opened");
  const t = await first.metrics.text();
  assert.equal(sample(t, 'opml_claims_total{event="wrong"}'), 1);
  assert.equal(sample(t, 'opml_claims_total{event="challenged"}'), 1);

  // Restarted on the same data directory: the ready line names the game it resumes, and the bond.
  const logs = captureLogs();
  const second = challenger(logs.logger);
  const ready = await startUntilReady(second, logs.lines);
  assert.deepEqual(ready.openGames, [{ gameId: String(gameId), claimId: String(claimId) }]);
  assert.deepEqual(ready.models, [
    {
      modelId: String(sys.modelId),
      name: sys.compiled.model.name,
      nodes: sys.compiled.commitment.nodeCount,
      challengerBond: String(MODEL_TERMS.challengerBond),
    },
  ]);
  assert.equal(ready.bond, String(MODEL_TERMS.challengerBond));
  assert.ok(BigInt(ready.balance as string) > MODEL_TERMS.challengerBond);
  assert.ok(!logs.lines.some((l) => String(l.msg).startsWith("balance below")));

  // The liar never bisects: the challenger wins on time and the claim is rejected. Its first two
  // tries to claim the timeout fail to send: one line each, retried the next pass, then after a
  // pass sat out.
  await pastDeadline(sys, gameId);
  failSends = 2;
  const sent = sends;
  await second.tick();
  await second.tick();
  const failed = logs.lines.filter((l) => l.msg === "game move failed");
  assert.deepEqual(
    failed.map((l) => [l.level, l.gameId, l.claimId, l.failures, l.retryInMs, (l.err as { type: string }).type]),
    [
      [50, String(gameId), String(claimId), 1, 10, "DaemonPassError"],
      [50, String(gameId), String(claimId), 2, 20, "DaemonPassError"],
    ],
  );
  assert.equal(sample(await second.metrics.text(), "opml_game_move_failures_total"), 2);
  await second.tick(); // sits out the back-off
  assert.equal(sends - sent, 2, "no send while backing off");
  await second.tick(); // claims the timeout
  assert.equal((await readGame(pc(), { game: sys.game, gameId })).status, GameStatus.ChallengerWon);
  assert.equal(sample(await second.metrics.text(), 'opml_game_moves_total{move="timeout"}'), 1);
  await second.tick(); // sees it resolved
  const after = await second.metrics.text();
  assert.equal(sample(after, 'opml_games_resolved_total{result="won"}'), 1);
  assert.ok(!after.includes("\nopml_games{"), "no open game left");

  const watch = captureLogs();
  const watcher = new ChallengerDaemon({
    client: pc(),
    oracle: sys.oracle,
    mode: "watch",
    models: models(),
    logger: watch.logger,
  });
  await watcher.tick();
  const mine = watch.lines.filter((l) => l.claimId === String(claimId));
  assert.ok(mine.some((l) => l.msg === "claim already rejected on chain: nothing to report"));
  assert.ok(!mine.some((l) => l.msg === "WRONG CLAIM"), "a rejected claim is not news");
  assert.ok(!watcher.verdicts.some((v) => v.claimId === claimId));
  assert.equal(sample(await watcher.metrics.text(), 'opml_claims_total{event="rejected"}'), 1);
});
