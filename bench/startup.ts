/**
 * How long `opml` takes to start: `opml --help` and `opml status 1` against a devnet, each a fresh
 * process through the bin (which runs the build, build/opml.mjs, while it matches the sources: run
 * `npm run build:cli` first), median of several runs. Beside them, in the same run: a bare `node`
 * process (the floor), and a process that imports every command's modules up front through tsx,
 * as `opml` did before (the baseline the ratios are against).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../chain/foundry.ts";
import { devClients } from "../chain/devClients.ts";
import { startDevnet } from "../devnet/startDevnet.ts";
import { requestInference } from "../sdk/index.ts";
import { fmt, type BenchReport } from "./harness.ts";

const RUNS = 5;
const BIN = join(REPO_ROOT, "cli", "bin.mjs");

/** Median wall milliseconds of `node args…` over RUNS fresh processes (one warm-up run first). */
function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
    if (i > 0) times.push(ms); // the first run fills tsx's transform cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Every command module, loaded up front: what `opml` imported at start-up before. */
const EAGER = `
const m = await import("./cli/opml.ts");
await m.loadAllCommands();
await Promise.all(["./cli/daemonRun.ts", "./cli/dappActions.ts", "./cli/keyActions.ts", "./devnet/startDevnet.ts"].map((f) => import(f)));
m.createProgram();`;

export async function bench(): Promise<BenchReport> {
  const devnet = await startDevnet({ port: 0 });
  try {
    const { anvil, deployment } = devnet;
    const oracle = deployment.deployed.find((d) => d.name === "OpmlOracle")!.address;
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[1]!.privateKey);
    const { requestId } = await requestInference(clients.walletClient, {
      oracle,
      modelId: deployment.model!.modelId,
      input: new Uint8Array(16),
    });
    const none = join(REPO_ROOT, ".opml", "no-such-file.json");
    const status = [BIN, "status", String(requestId), "--rpc-url", anvil.rpcUrl, "--oracle", oracle];
    const metrics = {
      "cli.startup.node_ms": medianMs(["-e", ""]),
      "cli.startup.eager_ms": medianMs(["--import", "tsx", "--input-type=module", "-e", EAGER]),
      "cli.startup.help_ms": medianMs([BIN, "--help"]),
      "cli.startup.status_ms": medianMs([...status, "--deployment", none, "--state-file", none]),
    };
    return {
      title: "opml start-up (fresh process, median of 5)",
      metrics,
      rows: [
        ["opml --help", `${fmt(metrics["cli.startup.help_ms"])} ms`, "the build: commander and the options only"],
        [
          "opml status 1",
          `${fmt(metrics["cli.startup.status_ms"])} ms`,
          "the build: viem (tree-shaken), the SDK, RPCs",
        ],
        [
          "every command module up front",
          `${fmt(metrics["cli.startup.eager_ms"])} ms`,
          "through tsx: what opml loaded before",
        ],
        ["node -e ''", `${fmt(metrics["cli.startup.node_ms"])} ms`, "the floor"],
      ],
      notes: [
        `--help takes ${fmt(metrics["cli.startup.help_ms"] / metrics["cli.startup.eager_ms"])}× and status ` +
          `${fmt(metrics["cli.startup.status_ms"] / metrics["cli.startup.eager_ms"])}× the time of loading every ` +
          "command module up front, measured in the same run on the same machine.",
      ],
    };
  } finally {
    await devnet.anvil.stop();
  }
}
