import { test } from "node:test";
import assert from "node:assert/strict";
import { runLoad } from "../devnet/loadScenario.ts";

// The load bench's short version (bench/load.ts runs 50 and 500): a burst of 24 requests across
// two models on anvil mining a block a second. The submitter (`opml submitter`, a child process) is
// killed with SIGKILL as soon as the first half's first claims are on chain, the second half is
// sent while it is down, it restarts on its data directory, then anvil is stopped for 3 s. Counted
// from the chain: every request claimed exactly once and finalized, several claims in one block
// (pipelined), every claim judged correct by the watcher.

test("a burst with a kill -9 and an RPC stall: every request claimed once and finalized, claims share blocks", async () => {
  const r = await runLoad({ bursts: [24], stallS: 3, phaseTimeoutMs: 60_000 });
  assert.equal(r.requests, 24);
  assert.equal(r.lost, 0, "every request claimed and finalized");
  assert.equal(r.doubleClaims, 0, "no request claimed twice");
  assert.ok(r.faults && r.faults.killedAfterClaims >= 1 && r.faults.killedAfterClaims < 24, "killed mid-burst");
  assert.ok(r.maxClaimsPerBlock > 1, `claims share blocks (at most ${r.maxClaimsPerBlock} in one)`);
  assert.equal(r.verdicts, 24, "the watcher judged every claim");
  assert.equal(r.wrongVerdicts, 0);
});
