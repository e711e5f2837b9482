/** `opml bench [modules...]`: runs bench/run.ts for the given modules, as `npm run bench -- mods` does. */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { BENCH_MODULES } from "../bench/modules.ts";
import { REPO_ROOT } from "../chain/foundry.ts";
import { UnknownBenchModuleError } from "./errors.ts";

/** Checks the names; none means every module. */
export function benchArgs(modules: readonly string[]): string[] {
  const known = BENCH_MODULES.map((m) => m.name);
  const unknown = modules.filter((m) => !known.includes(m));
  if (unknown.length > 0)
    throw new UnknownBenchModuleError(`unknown bench module${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, {
      details: `the modules are: ${known.join(", ")}`,
    });
  return [...modules];
}

async function benchAction(modules: string[], flags: { outDir?: string }): Promise<void> {
  const args = benchArgs(modules);
  const env = { ...process.env };
  if (flags.outDir) {
    env.BENCH_OUT_DIR = resolve(flags.outDir);
    mkdirSync(env.BENCH_OUT_DIR, { recursive: true });
  }
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "bench", "run.ts"), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: "inherit",
  });
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  if (code !== 0) process.exitCode = code ?? 1;
}

export function registerBenchCommand(program: Command): void {
  const list = BENCH_MODULES.map((m) => `  ${m.name.padEnd(12)} ${m.what}`).join("\n");
  program
    .command("bench")
    .description("Measure: run the bench modules (all when none named) and update bench/RESULTS.md and results.json.")
    .argument("[modules...]", "bench modules to run, in any order (run in the bench's own order)")
    .option("--out-dir <dir>", "write results.json and RESULTS.md here instead of bench/")
    .addHelpText(
      "after",
      `
Modules:
${list}

A partial run replaces only its modules' sections of RESULTS.md and their metrics in results.json.

Examples:
  $ opml bench hash merkle                   # = npm run bench -- hash merkle
  $ opml bench e2e --out-dir /tmp/bench      # elsewhere, leaving bench/ untouched
  $ opml bench                               # every module (takes a while)`,
    )
    .action(benchAction);
}
