import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../chain/foundry.ts";

// The built opml (scripts/buildCli.mjs → build/opml.mjs) is what cli/bin.mjs runs while it matches
// the sources: it must behave as the sources do, including the commands it leaves as TypeScript.

const node = (args: string[]) =>
  spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
const BIN = join(REPO_ROOT, "cli", "bin.mjs");
const MANIFEST = join(REPO_ROOT, "build", "opml.json");

test("the built opml prints the sources' help and version, runs a command kept as a source, and is set aside when its hash does not match", () => {
  const built = node([join(REPO_ROOT, "scripts", "buildCli.mjs")]);
  assert.equal(built.status, 0, built.stderr);
  const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as { sources: string[]; hash: string };
  assert.ok(manifest.sources.includes("cli/opml.ts") && manifest.sources.includes("cli/daemons.ts"));
  assert.ok(!manifest.sources.some((f) => f.startsWith("vm/") || f.startsWith("phase/")), "the VM stays out");

  const fromSource = node(["--import", "tsx", join(REPO_ROOT, "cli", "opml.ts"), "--help"]);
  for (const args of [["--help"], ["--version"], ["status", "--help"], ["key", "new", "--help"]]) {
    const b = node([BIN, ...args]);
    const s = args[0] === "--help" ? fromSource : node(["--import", "tsx", join(REPO_ROOT, "cli", "opml.ts"), ...args]);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout, s.stdout, args.join(" "));
  }
  // `opml model` is not in the bundle: the build registers tsx and loads it from source.
  const compile = node([
    BIN,
    "model",
    "compile",
    "tiny-mlp",
    "-o",
    join(REPO_ROOT, ".opml", "build-test.opml"),
    "--json",
  ]);
  assert.equal(compile.status, 0, compile.stderr);
  assert.equal((JSON.parse(compile.stdout) as { name: string }).name, "tiny-mlp");

  // The bin runs the build while its hash matches, and the sources once it does not: shown with
  // a build entry that fails when run.
  const entry = join(REPO_ROOT, "build", "opml.mjs");
  const code = readFileSync(entry, "utf8");
  writeFileSync(entry, 'throw new Error("the build ran");\n');
  try {
    const fresh = node([BIN, "--version"]);
    assert.notEqual(fresh.status, 0);
    assert.match(fresh.stderr, /the build ran/);
    writeFileSync(MANIFEST, JSON.stringify({ ...manifest, hash: "0".repeat(64) }));
    const stale = node([BIN, "--version"]);
    assert.equal(stale.status, 0, stale.stderr);
    assert.equal(
      stale.stdout.trim(),
      (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version,
    );
  } finally {
    writeFileSync(entry, code);
    writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  }
});
