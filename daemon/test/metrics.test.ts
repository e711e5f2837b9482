import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Phase } from "../../bisection/index.ts";
import { DaemonMetrics, FAILED_SCANS_UNHEALTHY } from "../metrics.ts";
import { MetricsServerError, serveMetrics } from "../metricsServer.ts";

// A daemon's metrics and health without a chain: what the loop reports shows in the Prometheus
// text under the documented names, /healthz follows the scans (starting, ok, rpc failing,
// stalled) on a clock the test moves, and the HTTP endpoint answers both.

/** The value of the series `name{labels}` in a Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("what the loop reports shows under the documented series, with the daemon's labels", async () => {
  const m = new DaemonMetrics({ labels: { role: "challenger" } });
  m.requestSeen();
  m.requestSeen();
  m.claim("wrong");
  m.claim("challenged");
  m.moveSent("bisect");
  m.moveFailed();
  m.rpcError("getClaim");
  m.balance(10n ** 18n);
  m.bond(5n * 10n ** 17n);
  m.vmSpeed(1234567);
  m.gameRead(7n, { phase: Phase.Choose, level: 1 }, true, 300);
  m.gameRead(8n, { phase: Phase.Bisect, level: 2 }, false, 120);
  m.gameRead(9n, { phase: Phase.Choose, level: 1 }, true, 90);
  const t = await m.text();
  const r = 'role="challenger"';
  assert.equal(sample(t, `opml_requests_seen_total{${r}}`), 2);
  assert.equal(sample(t, `opml_claims_total{event="wrong",${r}}`), 1);
  assert.equal(sample(t, `opml_claims_total{event="challenged",${r}}`), 1);
  assert.equal(sample(t, `opml_game_moves_total{move="bisect",${r}}`), 1);
  assert.equal(sample(t, `opml_game_move_failures_total{${r}}`), 1);
  assert.equal(sample(t, `opml_rpc_errors_total{call="getClaim",${r}}`), 1);
  assert.equal(sample(t, `opml_balance_wei{${r}}`), 1e18);
  assert.equal(sample(t, `opml_bond_wei{${r}}`), 5e17);
  assert.equal(sample(t, `opml_vm_steps_per_second{${r}}`), 1234567);
  assert.equal(sample(t, `opml_games{phase="choose",level="1",turn="ours",${r}}`), 2);
  assert.equal(sample(t, `opml_games{phase="bisect",level="2",turn="theirs",${r}}`), 1);
  assert.equal(sample(t, `opml_game_clock_left_seconds{game="8",${r}}`), 120);
  assert.equal(
    sample(t, `opml_deadline_min_seconds_left{game="9",${r}}`),
    90,
    "the least clock among games on our move",
  );

  // A resolved game and a game no longer ours leave the gauges.
  m.gameResolved(9n, true);
  m.openGames([7n]);
  const u = await m.text();
  assert.equal(sample(u, `opml_games{phase="choose",level="1",turn="ours",${r}}`), 1);
  assert.equal(sample(u, `opml_game_clock_left_seconds{game="8",${r}}`), undefined);
  assert.equal(sample(u, `opml_deadline_min_seconds_left{game="7",${r}}`), 300);
  m.openGames([]);
  assert.ok(!(await m.text()).includes("\nopml_deadline_min_seconds_left{"), "absent without a game on our move");
  assert.equal(sample(u, `opml_games_resolved_total{result="won",${r}}`), 1);
});

test("health: starting, ok after a scan, rpc failing after failed scans in a row or scans stale while passes go on, stalled without passes", () => {
  let now = 1_000_000;
  const m = new DaemonMetrics({ now: () => now });
  const stale = 60_000;
  assert.deepEqual([m.health(stale).healthy, m.health(stale).status], [false, "starting"]);
  m.passEnded(true, 41n);
  assert.deepEqual([m.health(stale).healthy, m.health(stale).status, m.health(stale).syncedBlock], [true, "ok", "41"]);
  for (let i = 1; i < FAILED_SCANS_UNHEALTHY; i++) m.passEnded(false);
  assert.equal(m.health(stale).status, "ok", "a failed scan or two is not yet unhealthy");
  m.passEnded(false);
  assert.deepEqual(
    [m.health(stale).status, m.health(stale).failedScansInARow],
    ["rpc failing", FAILED_SCANS_UNHEALTHY],
  );
  m.passEnded(true, 42n);
  assert.equal(m.health(stale).status, "ok", "healthy again once a scan reads the chain");
  now += stale + 1;
  assert.equal(m.health(stale).status, "stalled", "no pass ended for longer than staleMs");
  assert.equal(m.health(stale).lastScanAgeS, (stale + 1) / 1000);
  m.passEnded(false);
  assert.equal(m.health(stale).status, "rpc failing", "passes go on, but none has read the chain for staleMs");

  const late = new DaemonMetrics({ now: () => now });
  now += stale + 1;
  assert.equal(late.health(stale).status, "stalled", "never passed, long after start");
});

test("/metrics and /healthz answer over HTTP (200, then 503 with the reason); other paths 404; a taken port is a typed error", async () => {
  const m = new DaemonMetrics({ labels: { role: "submitter" } });
  const s = await serveMetrics(m, { port: 0, staleMs: 60_000 });
  try {
    let r = await fetch(`${s.url}/healthz`);
    assert.equal(r.status, 503);
    assert.equal(((await r.json()) as { status: string }).status, "starting");
    m.passEnded(true, 5n);
    m.requestSeen();
    r = await fetch(`${s.url}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as { status: string; syncedBlock: string }).syncedBlock, "5");
    r = await fetch(`${s.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(sample(await r.text(), 'opml_requests_seen_total{role="submitter"}'), 1);
    assert.equal((await fetch(`${s.url}/`)).status, 404);
    assert.equal((await fetch(`${s.url}/metrics`, { method: "POST" })).status, 405);

    await assert.rejects(serveMetrics(m, { port: s.port }), (e: unknown) => {
      return e instanceof MetricsServerError && e.message.includes(`:${s.port}`) && e.message.includes("EADDRINUSE");
    });
  } finally {
    await s.close();
  }
  // Closed: the port is free again.
  const probe = createServer();
  await new Promise<void>((ok, fail) => probe.once("error", fail).listen(s.port, "127.0.0.1", ok));
  await new Promise((ok) => probe.close(ok));
});
