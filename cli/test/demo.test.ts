import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../../chain/foundry.ts";

function demo(args: string[] = []) {
  const started = Date.now();
  const r = spawnSync("npm", ["run", "-s", "demo", "--", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { ...r, ms: Date.now() - started };
}

function assertAnvilStopped(out: string): void {
  const pid = Number(/pid (\d+)\)/.exec(out)?.[1]);
  assert.ok(pid > 0, "the demo printed anvil's pid");
  assert.throws(() => process.kill(pid, 0), "anvil is still running after the demo");
}

test("npm run demo tells the whole story: a liar at the middle node caught by the on-chain step and slashed, an honest claim finalized, the dapp's callback received, gas and time per phase; exits 0 and stops anvil", () => {
  const r = demo();
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  for (const name of ["StepVerifier", "PhaseBoundary", "DisputeGame", "OpmlOracle", "ClassifierGate"]) {
    assert.match(out, new RegExp(`Deployed ${name} +at 0x[0-9a-fA-F]{40}`));
  }
  assert.match(out, /Registered model 1 \(tiny-mlp: 3 nodes/);
  assert.match(out, /A submitter lying at node 1 of 3/);
  assert.match(out, /The challenger re-executed the claim natively, disagrees, and opens game \d+/);
  assert.match(out, /L1 round 1: lying submitter bisects nodes \[0, 3\)/);
  assert.match(out, /challenger disputes \[1, 2\)/, "level 1 ends on the lied node");
  assert.match(out, /Phase 2 opened by the lying submitter at node 1/);
  assert.match(out, /L2 round \d+: lying submitter bisects VM steps/);
  assert.match(out, /On-chain step by the challenger: StepVerifier re-executes VM step \d+: .*LIE PROVEN/);
  assert.match(out, /Game resolved: challenger won \(by the step\)/);
  assert.match(out, /Liar slashed: the lying submitter lost its 0\.1 ETH bond: 0\.05 ETH burned/);
  assert.match(out, /The challenger re-executes it and agrees: no challenge/);
  assert.match(out, /Request \d+ finalized with output 0x[0-9a-f]+/);
  assert.match(out, /Callback received: ClassifierGate labelled item \d+ as \d/);
  assert.doesNotMatch(out, /this is a bug/);
  for (const phase of ["level 1 moves", "phase-2 opening", "level 2 moves", "on-chain step", "total"]) {
    assert.match(out, new RegExp(`^  ${phase} +\\d+ +[\\d,]+ +\\d+\\.\\d\\d$`, "m"), phase);
  }
  assertAnvilStopped(out);
  assert.ok(r.ms < 120_000, `the demo took ${r.ms} ms`);
});

test("npm run demo -- --lie-at-node 0 disputes node 0; a node the model does not have is refused with exit 1 and anvil stopped", () => {
  const r = demo(["--lie-at-node", "0"]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Phase 2 opened by the lying submitter at node 0/);
  assert.match(r.stdout, /Callback received/);
  const bad = demo(["--lie-at-node", "7"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--lie-at-node 7: the demo model has nodes 0\.\.2/);
  assertAnvilStopped(bad.stdout);
});
