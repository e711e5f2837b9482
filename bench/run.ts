/**
 * `npm run bench`: runs every bench module, writes bench/results.json (flat
 * metric → number) and bench/RESULTS.md (tables, the command, the machine).
 * `npm run bench -- hash merkle` runs a subset (the files keep the other metrics).
 */
import { writeFileSync, readFileSync, existsSync } from "node:fs";
import { cpus, totalmem, platform, arch } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { fmt, type BenchReport } from "./harness.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** Bench modules in run order; each lives in bench/<name>.ts and exports `bench()`. */
const MODULES = ["hash", "merkle", "dnn", "dnnAccuracy", "vm", "contracts", "dispute", "e2e"];

const only = process.argv.slice(2);
const selected = MODULES.filter((m) => only.length === 0 || only.includes(m));
const jsonPath = join(here, "results.json");
const results: Record<string, number> = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, "utf8")) : {};
const reports: BenchReport[] = [];
const skipped: string[] = [];

for (const name of selected) {
  const file = join(here, `${name}.ts`);
  if (!existsSync(file)) {
    skipped.push(name);
    continue;
  }
  process.stderr.write(`bench: ${name} …\n`);
  const mod = (await import(file)) as { bench: () => Promise<BenchReport | Record<string, number>> };
  const t0 = performance.now();
  const out = await mod.bench();
  const report: BenchReport =
    "metrics" in out && typeof out.metrics === "object"
      ? (out as BenchReport)
      : { title: name, metrics: out as Record<string, number> };
  for (const [k, v] of Object.entries(report.metrics)) results[k] = v;
  reports.push(report);
  process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const sorted = Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(jsonPath, JSON.stringify(sorted, null, 2) + "\n");

const cpu = cpus()[0]?.model ?? "unknown CPU";
const lines: string[] = [
  "# Benchmark results",
  "",
  `Produced by \`npm run bench${only.length ? " -- " + only.join(" ") : ""}\` on ${new Date().toISOString().slice(0, 10)}.`,
  `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()}-${arch()}, Node ${process.version}.`,
  "Ratios are measured in the same run as their baseline. `bench/results.json` holds every metric by name.",
  "",
];
for (const r of reports) {
  lines.push(`## ${r.title}`, "", "| metric | value |", "| --- | --- |");
  for (const [k, v] of Object.entries(r.metrics)) lines.push(`| \`${k}\` | ${fmt(v)} |`);
  if (r.rows?.length) {
    lines.push("", "| measurement | value | note |", "| --- | --- | --- |");
    for (const [a, b, c] of r.rows) lines.push(`| ${a} | ${b} | ${c} |`);
  }
  if (r.notes?.length) lines.push("", ...r.notes);
  lines.push("");
}
if (skipped.length) lines.push(`Not measured yet (no bench module): ${skipped.join(", ")}.`, "");
writeFileSync(join(here, "RESULTS.md"), lines.join("\n"));
process.stderr.write(`bench: wrote bench/results.json and bench/RESULTS.md\n`);
