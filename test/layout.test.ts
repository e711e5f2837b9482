/**
 * The layout's rules (eslint/layers.js): every folder imports only from lower levels, no code
 * outside a test/ folder imports from one, and the import graph has no loop. Checked twice: the
 * lint rule itself refuses deliberately bad imports, and the whole import graph is walked here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, normalize } from "node:path";
import { ESLint } from "eslint";
import { LEVELS, layerConfig } from "../eslint/layers.js";
import { REPO_ROOT } from "../chain/foundry.ts";

async function lintProbe(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfigFile: true, overrideConfig: layerConfig });
  const [result] = await eslint.lintText(source, { filePath: join(REPO_ROOT, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test("the lint rule refuses a challenger → submitter import (role to role)", async () => {
  const msgs = await lintProbe("challenger/probe.ts", 'export { SubmitterDaemon } from "../submitter/daemon.ts";\n');
  assert.equal(msgs.length, 1, msgs.join("\n"));
  assert.match(msgs[0]!, /^import-x\/no-restricted-paths: .*challenger\/ sits below/);
});

test("the lint rule refuses upward and sideways imports: vm → dnn-lib, commitment → vm, sdk → daemon", async () => {
  for (const [file, spec] of [
    ["vm/probe.ts", "../dnn-lib/src/ops.ts"],
    ["commitment/probe.ts", "../vm/index.ts"],
    ["sdk/probe.ts", "../daemon/journal.ts"],
  ] as const) {
    const msgs = await lintProbe(file, `export * from "${spec}";\n`);
    assert.equal(msgs.length, 1, `${file} → ${spec}: ${msgs.join("\n")}`);
    assert.match(msgs[0]!, /no-restricted-paths/);
  }
});

test("the lint rule refuses a test/ import from production code, and allows it from a test", async () => {
  const bad = await lintProbe("vm/probe.ts", 'export * from "./test/differentialV8.test.ts";\n');
  assert.equal(bad.length, 1, bad.join("\n"));
  assert.match(bad[0]!, /only test code imports from a test\/ folder/);
  assert.deepEqual(await lintProbe("vm/test/probe.test.ts", 'export * from "./differentialV8.test.ts";\n'), []);
});

test("the lint rule lets a folder import from below: daemon → sdk, phase → vm and dnn-lib", async () => {
  assert.deepEqual(await lintProbe("daemon/probe.ts", 'export * from "../sdk/abi.ts";\n'), []);
  assert.deepEqual(
    await lintProbe("phase/probe.ts", 'export * from "../vm/index.ts";\nexport * from "../dnn-lib/src/ops.ts";\n'),
    [],
  );
});

test("the lint rule refuses vm/ internals from outside vm/ (tests too), and allows vm/index.ts, vm/tooling.ts and vm/'s own files", async () => {
  for (const [file, spec] of [
    ["phase/probe.ts", "../vm/Machine.ts"],
    ["bench/probe.ts", "../vm/loader/loadProgram.ts"],
    ["phase/test/probe.test.ts", "../../vm/layout.ts"],
    ["contracts/tools/probe.ts", "../../vm/corpus/stepCases.ts"],
  ] as const) {
    const msgs = await lintProbe(file, `export * from "${spec}";\n`);
    assert.equal(msgs.length, 1, `${file} → ${spec}: ${msgs.join("\n")}`);
    assert.match(msgs[0]!, /outside vm\/, import it through vm\/index\.ts or vm\/tooling\.ts/);
  }
  assert.deepEqual(await lintProbe("claim/probe.ts", 'export * from "../vm/index.ts";\n'), []);
  assert.deepEqual(await lintProbe("bench/probe.ts", 'export * from "../vm/tooling.ts";\n'), []);
  assert.deepEqual(await lintProbe("vm/tools/probe.ts", 'export * from "../loader/loadProgram.ts";\n'), []);
  assert.deepEqual(await lintProbe("vm/test/probe.test.ts", 'export * from "../Machine.ts";\n'), []);
});

/**
 * Every relative import (static, re-export or dynamic) of every tracked TypeScript file, resolved;
 * with `runtimeOnly`, without the type-only ones (erased at compile time, they order no loading).
 */
function importGraph(runtimeOnly = false): Map<string, string[]> {
  const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: REPO_ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.includes("/wasm-spec/") && !f.endsWith(".as.ts") && !f.startsWith("dnn-lib/assembly/"));
  const graph = new Map<string, string[]>();
  const spec = /(?:import|export)(\s+type\b)?\s[^;]*?from\s*["'](\.[^"']*)["']|import\(\s*["'](\.[^"']*)["']\s*\)/g;
  for (const f of files) {
    const src = readFileSync(join(REPO_ROOT, f), "utf8");
    const deps: string[] = [];
    for (const m of src.matchAll(spec))
      if (!(runtimeOnly && m[1])) deps.push(normalize(join(dirname(f), (m[2] ?? m[3])!)));
    graph.set(f, deps);
  }
  return graph;
}

const levelOf = (file: string): { folder: string; level: number } => {
  const folder = file.split("/")[0]!;
  return { folder, level: LEVELS.findIndex((l) => l.includes(folder)) };
};
const isTest = (file: string) => file.split("/").includes("test");
/** Folders of the build itself (lint config, npm scripts), outside the product's levels. */
const TOOLING = new Set(["scripts", "eslint"]);

test("the import graph: every folder has a level, every arrow points down, no test path from production code", () => {
  const bad: string[] = [];
  for (const [from, deps] of importGraph()) {
    const a = levelOf(from);
    if (a.level < 0 && !TOOLING.has(a.folder)) bad.push(`${from}: folder ${a.folder} has no level`);
    for (const to of deps) {
      const b = levelOf(to);
      if (a.folder === b.folder) continue;
      if (b.level >= a.level) bad.push(`${from} → ${to} (level ${a.level} → ${b.level})`);
      if (isTest(to) && !isTest(from)) bad.push(`${from} → ${to} (a test path from production code)`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the import graph has no loop (type-only imports aside, as import-x/no-cycle)", () => {
  const graph = importGraph(true);
  const state = new Map<string, "open" | "done">();
  const loops: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      loops.push([...path.slice(path.indexOf(f)), f].join(" → "));
      return;
    }
    state.set(f, "open");
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(loops, []);
});
