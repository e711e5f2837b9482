/**
 * Running `opml submitter` and `opml challenger` (loaded only when one of them runs): every
 * problem with the settings, the model files and the data directory at once; then the chain,
 * the oracle and the signer checked (cli/chainTarget.ts), and the signer's balance against the
 * largest bond it may have to post, before the daemon starts.
 */
import { existsSync, statSync } from "node:fs";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { collectConfig, ConfigError, type OptionSpec } from "../daemon/config.ts";
import { daemonParts, loadServedModels, parseModelEntries } from "../daemon/setup.ts";
import { getModel } from "../sdk/index.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { assertDevnetChain } from "./adversary.ts";
import { connectChain, requireFunds, type ChainTarget } from "./chainTarget.ts";

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const on = () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve();
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/** The data directory's problem, if it exists and is not a directory. */
function dataDirProblem(dir: string | undefined): string[] {
  if (dir === undefined || !existsSync(dir) || statSync(dir).isDirectory()) return [];
  return [`--data-dir ${dir} is a file, not a directory (give each daemon a directory of its own)`];
}

/** The served models' problems (entries, duplicates, missing files), as sentences. */
function modelProblems(entries: readonly string[]): string[] {
  try {
    parseModelEntries(entries);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [err.shortMessage];
  }
}

/** Refuses a signer that cannot post the largest `bond` of the served models. */
async function requireBond(
  target: ChainTarget,
  ids: readonly bigint[],
  bond: "submitterBond" | "challengerBond",
): Promise<void> {
  let need = 0n;
  for (const modelId of ids) {
    const m = await getModel(target.publicClient, { oracle: target.oracle, modelId });
    if (m[bond] > need) need = m[bond];
  }
  const what = bond === "submitterBond" ? "a claim's submitter bond" : "a challenge's bond";
  if (need > 0n) await requireFunds(target, need, `${what} on the served models (the largest, before gas)`);
}

export async function runDaemon(
  role: "submitter" | "challenger",
  specs: readonly OptionSpec[],
  flags: Record<string, unknown>,
): Promise<void> {
  const cfg = collectConfig(specs, flags);
  const mode = role === "submitter" ? "honest" : ((cfg.values.mode as string | undefined) ?? "watch");
  const problems = [
    ...(mode === "honest" || mode === "watch" || mode === "defend"
      ? []
      : [`--mode must be watch or defend, got ${mode}`]),
    ...modelProblems((cfg.values.models as string[] | undefined) ?? []),
    ...dataDirProblem(cfg.values.dataDir as string | undefined),
  ];
  const signs = role === "submitter" || mode === "defend";
  const lying = role === "submitter" && cfg.values.lieAtNode !== undefined;
  const target = await connectChain(cfg, {
    needKey: signs,
    problems,
    ...(lying && { checkChain: (chainId: number, rpcUrl: string) => assertDevnetChain(chainId, rpcUrl) }),
  });
  const entries = parseModelEntries(cfg.values.models as string[]);
  if (signs)
    await requireBond(
      target,
      entries.map((e) => e.id),
      role === "submitter" ? "submitterBond" : "challengerBond",
    );
  const p = await daemonParts(cfg, role, lying ? "lying(test)" : mode, undefined, target.walletClient?.account);
  let d: SubmitterDaemon | ChallengerDaemon;
  try {
    const models = await loadServedModels(
      p.publicClient,
      p.oracle,
      cfg.values.models as string[],
      p.logger,
      cfg.values.backend as string,
    );
    d =
      role === "submitter"
        ? new SubmitterDaemon({
            ...p.options,
            models,
            client: p.walletClient!,
            ...(lying && { lieAtNode: cfg.values.lieAtNode as number, lieInVm: true }),
          })
        : new ChallengerDaemon({
            ...p.options,
            models,
            client: mode === "defend" ? (p.walletClient ?? p.publicClient) : p.publicClient,
            mode: mode as "watch" | "defend",
          });
  } catch (err) {
    await p.stop(); // the metrics endpoint closed, the data directory's lock released
    throw err;
  }
  d.start();
  await untilSignal();
  p.logger.info("stopping");
  await d.stop();
  await p.stop();
}
