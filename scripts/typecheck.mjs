#!/usr/bin/env node
// `npm run typecheck`: tsc over tsconfig.json, which has noUncheckedIndexedAccess on. The folders
// in PENDING still have index-flag errors and are being restructured on other branches; until
// they are fixed they are held to the rest of the config only. tsc runs twice, in parallel:
//   1. with the flag off: no error anywhere;
//   2. with the flag on: no error outside PENDING. It prints each PENDING folder's count and
//      fails when one has none left, so that the folder leaves the list (README "Type checking").
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const PENDING = ["vm/"];

const root = new URL("..", import.meta.url).pathname;
const tscBin = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** tsc's diagnostics (each with its continuation lines) and whether it failed to run. */
function tsc(...flags) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [tscBin, "-p", "tsconfig.json", "--pretty", "false", ...flags], { cwd: root });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => {
      const diagnostics = [];
      for (const line of out.split("\n")) {
        if (line.trim() === "") continue;
        if (/^\s/.test(line) && diagnostics.length > 0) diagnostics[diagnostics.length - 1] += `\n${line}`;
        else diagnostics.push(line);
      }
      resolve({ code, diagnostics });
    });
  });
}

// With nothing pending, the second run alone checks everything.
const none = Promise.resolve({ code: 0, diagnostics: [] });
const [plain, indexed] = await Promise.all([
  PENDING.length > 0 ? tsc("--noUncheckedIndexedAccess", "false") : none,
  tsc(),
]);
const seen = new Set(plain.diagnostics);
const pendingCount = new Map(PENDING.map((p) => [p, 0]));
const indexErrors = [];
for (const d of indexed.diagnostics) {
  if (seen.has(d)) continue;
  const folder = PENDING.find((p) => d.startsWith(p));
  if (folder) pendingCount.set(folder, pendingCount.get(folder) + 1);
  else indexErrors.push(d);
}

for (const d of [...plain.diagnostics, ...indexErrors]) console.log(d);
const done = [...pendingCount].filter(([, n]) => n === 0).map(([p]) => p);
if (PENDING.length > 0)
  console.log(
    `noUncheckedIndexedAccess, still pending: ${[...pendingCount].map(([p, n]) => `${p} ${n}`).join(", ")}` +
      " (checked without the flag; scripts/typecheck.mjs)",
  );
if (done.length > 0) console.log(`No index-flag errors left in ${done.join(", ")}: remove from PENDING.`);
for (const run of [plain, indexed])
  if (run.code !== 0 && run.diagnostics.length === 0) console.log(`tsc exited ${run.code} and printed nothing`);
const silentFailure = [plain, indexed].some((run) => run.code !== 0 && run.diagnostics.length === 0);
const ok = plain.diagnostics.length === 0 && indexErrors.length === 0 && done.length === 0 && !silentFailure;
process.exit(ok ? 0 : 1);
