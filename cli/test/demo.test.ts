import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../../common/foundry.ts";
import { NOT_BUILT_YET } from "../demo.ts";

test("npm run demo checks the deployed CommitmentVerifier against the TypeScript library, lists what is not built, stops anvil and exits 0", () => {
  const started = Date.now();
  const r = spawnSync("npm", ["run", "-s", "demo"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  assert.match(out, /Deployed CommitmentVerifier at 0x[0-9a-fA-F]{40}/);
  assert.match(out, /All \d+ checks agree\./);
  assert.doesNotMatch(out, /DISAGREE/);
  for (const item of NOT_BUILT_YET) assert.ok(out.includes(`  - ${item}`), item);
  const pid = Number(/pid (\d+)\)/.exec(out)?.[1]);
  assert.ok(pid > 0);
  assert.throws(() => process.kill(pid, 0), "anvil is still running after the demo");
  assert.ok(Date.now() - started < 30_000, "the demo took more than 30 s");
});
