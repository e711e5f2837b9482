/**
 * The docs stay true to the code: every folder README's file table names exactly the folder's
 * files, every test a text names exists, and the spec describes the product, never the process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../chain/foundry.ts";

const tracked = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.includes("/wasm-spec/") && existsSync(join(REPO_ROOT, f)));
const read = (f: string) => readFileSync(join(REPO_ROOT, f), "utf8");

/** Top-level folders whose README has a `| file | ... |` table. */
const tableReadmes = tracked.filter((f) => /^[^/]+\/README\.md$/.test(f) && /^\|\s*file\s*\|/m.test(read(f)));

test("every folder README with a file table names each of its files and subfolders, and only those", () => {
  assert.ok(tableReadmes.length >= 5, `file tables found: ${tableReadmes.join(", ")}`);
  const problems: string[] = [];
  for (const readme of tableReadmes) {
    const folder = dirname(readme);
    const text = read(readme);
    const named = new Set([...text.matchAll(/`([\w./-]+)`/g)].map((m) => m[1]!.replace(/\/$/, "")));
    // Each first-column entry of a file table exists.
    for (const row of text.matchAll(/^\|\s*(`[^|]*`)\s*\|/gm))
      for (const m of row[1]!.matchAll(/`([\w./-]+)`/g))
        if (!existsSync(join(REPO_ROOT, folder, m[1]!)))
          problems.push(`${readme}: names ${m[1]}, which does not exist`);
    // Each file and subfolder of the folder (tests and build output aside) is named.
    for (const entry of readdirSync(join(REPO_ROOT, folder))) {
      if (entry === "README.md" || entry === "test" || entry === "build" || entry === "node_modules") continue;
      const isDir = statSync(join(REPO_ROOT, folder, entry)).isDirectory();
      if (!tracked.some((f) => f === `${folder}/${entry}` || f.startsWith(`${folder}/${entry}/`))) continue;
      const covered = named.has(entry) || (isDir && [...named].some((n) => n.startsWith(`${entry}/`)));
      if (!covered) problems.push(`${readme}: does not name ${entry}${isDir ? "/" : ""}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("every test file a text names exists", () => {
  const problems: string[] = [];
  // Test code is left out: its strings name probe files on purpose.
  for (const f of tracked.filter((f) => /\.(md|ts|sol|mjs)$/.test(f) && !f.split("/").includes("test"))) {
    for (const m of read(f).matchAll(/([\w./-]+\.(?:test\.ts|t\.sol))/g)) {
      const ref = m[1]!;
      if (!existsSync(join(REPO_ROOT, ref)) && !existsSync(join(REPO_ROOT, dirname(f), ref)))
        problems.push(`${f}: names ${ref}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("every forge test a text names exists in contracts/test", () => {
  const sol = tracked
    .filter((f) => f.startsWith("contracts/test/") && f.endsWith(".sol"))
    .map(read)
    .join("\n");
  const defined = new Set([...sol.matchAll(/function\s+((?:test|invariant)\w*)\s*\(/g)].map((m) => m[1]!));
  const problems: string[] = [];
  for (const f of tracked.filter((f) => /\.(md|ts)$/.test(f) && !f.startsWith("contracts/test/"))) {
    for (const m of read(f).matchAll(/\b((?:test|testFuzz|testDiff|testVectors|invariant)_\w+)/g))
      // ONNX test folders (test_data_set_N) are named like forge tests and are not.
      if (!defined.has(m[1]!) && !m[1]!.startsWith("test_data_set_")) problems.push(`${f}: names ${m[1]}`);
  }
  assert.deepEqual(problems, []);
});

test("the docs describe the product, never the process (no issue, session or TODO in docs/)", () => {
  const problems: string[] = [];
  for (const f of tracked.filter((f) => f.startsWith("docs/") && f.endsWith(".md")))
    for (const [i, line] of read(f).split("\n").entries())
      if (/\b(issues?|sessions?|TODO)\b/i.test(line)) problems.push(`${f}:${i + 1}: ${line.trim()}`);
  assert.deepEqual(problems, []);
});
