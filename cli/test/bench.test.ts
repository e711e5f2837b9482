import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BENCH_MODULES } from "../../bench/modules.ts";
import { REPO_ROOT } from "../../chain/foundry.ts";
import { UnknownBenchModuleError } from "../errors.ts";
import { runOpml } from "./runOpml.ts";

const run = promisify(execFile);

test("opml bench --help lists every bench module with what it measures, and examples", async () => {
  const r = await runOpml(["bench", "--help"]);
  for (const m of BENCH_MODULES) assert.match(r.out, new RegExp(`^\\s+${m.name}\\s+\\S`, "m"), m.name);
  assert.match(r.out, /Examples:\n\s+\$ opml bench hash merkle/);
});

test("opml bench refuses an unknown module by name and lists the real ones, running nothing", async () => {
  const r = await runOpml(["bench", "hash", "gpu"]);
  assert.ok(r.error instanceof UnknownBenchModuleError, String(r.error));
  assert.match(r.error.message, /unknown bench module: gpu[\s\S]*hash, merkle, dnn/);
});

test("opml bench hash --out-dir runs that module through bench/run.ts and writes its metrics and section there, not in bench/", async () => {
  const out = mkdtempSync(join(tmpdir(), "opml-bench-"));
  const repoJson = join(REPO_ROOT, "bench", "results.json");
  const before = statSync(repoJson).mtimeMs;
  await run(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "cli", "opml.ts"), "bench", "hash", "--out-dir", out],
    {
      cwd: REPO_ROOT,
      timeout: 300_000,
    },
  );
  const metrics = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Record<string, number>;
  assert.ok(metrics["hash.node_hashes_per_s"]! > 0);
  assert.ok(
    Object.keys(metrics).every((k) => k.startsWith("hash.")),
    "only the module that ran",
  );
  const md = readFileSync(join(out, "RESULTS.md"), "utf8");
  assert.match(md, /<!-- bench:hash -->[\s\S]*Measured by `npm run bench -- hash`/);
  assert.equal(statSync(repoJson).mtimeMs, before, "bench/results.json untouched");
});
