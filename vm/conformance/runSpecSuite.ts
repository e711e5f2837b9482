import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runWast, type WastResult } from "./runWast.ts";

/** The WebAssembly spec test scripts, vendored (Apache-2.0; see the README there). */
export const SPEC_DIR = fileURLToPath(new URL("./wasm-spec/", import.meta.url));

export interface SuiteResult extends WastResult {
  perFile: Map<string, WastResult>;
}

/** Runs every .wast script of `dir` and sums the counts. */
export function runSpecSuite(dir = SPEC_DIR): SuiteResult {
  const total: SuiteResult = {
    passed: 0,
    failed: 0,
    refused: 0,
    textOnly: 0,
    failures: [],
    refusals: new Map(),
    perFile: new Map(),
  };
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".wast"))
    .sort()) {
    const r = runWast(readFileSync(dir + f, "utf8"), f);
    total.perFile.set(f, r);
    total.passed += r.passed;
    total.failed += r.failed;
    total.refused += r.refused;
    total.textOnly += r.textOnly;
    total.failures.push(...r.failures);
    for (const [k, v] of r.refusals) total.refusals.set(k, (total.refusals.get(k) ?? 0) + v);
  }
  return total;
}

/** The one-line summary the issue asks for. */
export function summary(r: WastResult): string {
  return `${r.passed} passed, ${r.failed} failed, ${r.refused} refused`;
}
