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
import { BENCH_MODULES } from "./modules.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** Bench modules in run order (bench/modules.ts). */
const MODULES = BENCH_MODULES.map((m) => m.name);
/** Where results.json and RESULTS.md go: bench/ unless BENCH_OUT_DIR says otherwise (tests). */
const outDir = process.env.BENCH_OUT_DIR ?? here;

const only = process.argv.slice(2);
const selected = MODULES.filter((m) => only.length === 0 || only.includes(m));
const jsonPath = join(outDir, "results.json");
const results = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as Record<string, number>) : {};
const reports: [string, BenchReport][] = [];
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
  reports.push([name, report]);
  process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const sorted = Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(jsonPath, JSON.stringify(sorted, null, 2) + "\n");

// RESULTS.md keeps one section per module between markers, so a partial run (`npm run bench -- vm`)
// replaces only its own sections and says when and how each was measured.
const mdPath = join(outDir, "RESULTS.md");
const previous = new Map<string, string>();
if (existsSync(mdPath)) {
  const md = readFileSync(mdPath, "utf8");
  for (const m of md.matchAll(/<!-- bench:(\w+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) previous.set(m[1]!, m[2]!);
}
const cpu = cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()}-${arch()}, Node ${process.version}`;
const today = new Date().toISOString().slice(0, 10);
const command = `npm run bench${only.length ? " -- " + only.join(" ") : ""}`;
const fresh = new Map<string, string>();
for (const [name, r] of reports) {
  const lines: string[] = [
    `## ${r.title}`,
    "",
    `Measured by \`${command}\` on ${today}.`,
    "",
    "| metric | value |",
    "| --- | --- |",
  ];
  for (const [k, v] of Object.entries(r.metrics)) lines.push(`| \`${k}\` | ${fmt(v)} |`);
  if (r.rows?.length) {
    lines.push("", "| measurement | value | note |", "| --- | --- | --- |");
    for (const [a, b, c] of r.rows) lines.push(`| ${a} | ${b} | ${c} |`);
  }
  if (r.notes?.length) lines.push("", ...r.notes);
  lines.push("");
  fresh.set(name, lines.join("\n"));
}
const out: string[] = [
  "# Benchmark results",
  "",
  `Produced by \`npm run bench\` (all modules; \`npm run bench -- NAME…\` re-measures some and keeps the other sections).`,
  `Machine: ${machine}.`,
  "Ratios are measured in the same run as their baseline. `bench/results.json` holds every metric by name.",
  "",
];
for (const name of MODULES) {
  const body = fresh.get(name) ?? previous.get(name);
  if (body !== undefined) out.push(`<!-- bench:${name} -->`, body + `<!-- /bench:${name} -->`, "");
}
if (skipped.length) out.push(`Not measured yet (no bench module): ${skipped.join(", ")}.`, "");
writeFileSync(mdPath, out.join("\n"));
process.stderr.write(`bench: wrote ${jsonPath} and ${mdPath}\n`);
