import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { bytesToHex } from "viem";
import { startAnvil, ANVIL_TEST_MNEMONIC, type Anvil, type StartAnvilOptions } from "../chain/anvil.ts";
import { devClients } from "../chain/devClients.ts";
import { DEVNET_CONTRACTS, DeployError, type ProgressLog } from "../chain/deploy.ts";
import { deployManifest, registerModel, type DemoModel, type ManifestDeployment } from "./deployManifest.ts";
import type { DevnetState } from "./devnetState.ts";
import { compileModel, type ModelCommitment } from "../phase/compileModel.ts";
import { encodeModel } from "../dnn-lib/src/model/modelFile.ts";
import { ModelNotFoundError } from "../dnn-lib/models/errors.ts";
import { DEMO_MODELS, loadModelSource } from "../dnn-lib/models/modelSource.ts";

export interface DevnetOptions extends Pick<StartAnvilOptions, "port" | "host" | "accounts" | "chainId"> {
  /**
   * Interval mining: a block every `blockTime` seconds besides one per transaction, so chain time
   * (claims' windows, game clocks) follows the wall clock. Unset or 0: a block per transaction only.
   */
  blockTime?: number;
  /** Deploy the manifest (default true). */
  deploy?: boolean;
  /** Forward anvil's own log to stderr. */
  verbose?: boolean;
  /** Receives progress lines (starting, compiling, deploying). */
  log?: ProgressLog;
  /** More models to register after the manifest's tiny-mlp (mlp, cnn, gpt; trained: fmnist-mlp, fmnist-cnn, byte-lm). */
  models?: readonly string[];
}

/** A demo model registered with the devnet's oracle. */
export interface RegisteredDemoModel extends DemoModel {
  commitment: ModelCommitment;
}

export interface Devnet {
  anvil: Anvil;
  deployment: ManifestDeployment;
  state: DevnetState;
  /** Every demo model registered: the manifest's tiny-mlp first, then `options.models`. */
  models: RegisteredDemoModel[];
}

/** Checks extra demo model names before anything starts. */
export function checkDemoModelNames(names: readonly string[]): void {
  for (const name of names)
    if (!(name in DEMO_MODELS) || name === "tiny-mlp")
      throw new ModelNotFoundError(`"${name}" is not a demo model the devnet can add`, {
        details: `choose from ${Object.keys(DEMO_MODELS)
          .filter((n) => n !== "tiny-mlp")
          .join(", ")} (tiny-mlp is always registered)`,
      });
}

/**
 * Starts anvil with the deterministic dev accounts and deploys every manifest contract that
 * exists (from account 0). On any failure after anvil started, anvil is stopped before rethrowing.
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const { deploy = true, verbose = false, log = () => {}, models: extra = [], blockTime, ...anvilOptions } = options;
  checkDemoModelNames(extra);
  log("Starting anvil...");
  const interval = blockTime ? { blockTime, mixedMining: true } : {};
  const anvil = await startAnvil({ ...anvilOptions, ...interval, mnemonic: ANVIL_TEST_MNEMONIC, silent: !verbose });
  try {
    let deployment: ManifestDeployment = { deployed: [], missing: [] };
    const models: RegisteredDemoModel[] = [];
    if (deploy) {
      const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
      deployment = await deployManifest(clients, DEVNET_CONTRACTS, log);
      const m = deployment.model;
      if (m)
        models.push({
          name: m.name,
          modelId: m.modelId,
          commitment: m.compiled.commitment,
          compiled: m.compiled,
          txHash: m.txHash,
          gasUsed: m.gasUsed,
        });
      const oracle = deployment.deployed.find((d) => d.name === "OpmlOracle");
      if (extra.length > 0 && !oracle)
        throw new DeployError("OpmlOracle", "not deployed: no oracle to register models with");
      for (const name of extra) {
        log(`Registering the demo model ${name}...`);
        const compiled = await compileModel((await loadModelSource(name)).model);
        const r = await registerModel(clients, oracle!.address, compiled);
        models.push({ name, commitment: compiled.commitment, compiled, ...r });
      }
    }
    const state: DevnetState = {
      version: 1,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      pid: anvil.pid,
      startedAt: new Date().toISOString(),
      ...(blockTime ? { blockTime } : {}),
      accounts: anvil.accounts,
      contracts: Object.fromEntries(deployment.deployed.map((d) => [d.name, d.address])),
      missing: deployment.missing.map((m) => m.name),
      models: models.map((m) => ({
        name: m.name,
        modelId: m.modelId.toString(),
        graphRoot: bytesToHex(m.commitment.graphRoot),
      })),
    };
    return { anvil, deployment, state, models };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/**
 * Writes each registered model's `.opml` file (encodeModel of the compiled model) to
 * `<dir>/models/<name>.opml` and records its absolute path in `devnet.state.models[].file`.
 * Returns the paths written, in the order of `devnet.models`.
 */
export function writeDevnetModels(devnet: Devnet, dir: string): string[] {
  if (devnet.models.length === 0) return [];
  const modelsDir = resolve(dir, "models");
  mkdirSync(modelsDir, { recursive: true });
  return devnet.models.map((m, i) => {
    const file = join(modelsDir, `${m.name}.opml`);
    writeFileSync(file, encodeModel(m.compiled.model));
    const entry = devnet.state.models?.[i];
    if (entry) entry.file = file;
    return file;
  });
}

/** `path` relative to the working directory when it lies below it, else absolute. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** `arg` quoted for a POSIX shell when it needs it. */
function shellArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Ready-to-paste `opml submitter` and `opml challenger` command lines for the devnet: its RPC URL,
 * the oracle, dev account 1 for the submitter and 2 for the challenger, the model files
 * ({@link writeDevnetModels}) and a data directory each under `dataRoot`. Empty when there is no
 * oracle, no model file or fewer than 3 accounts.
 */
export function formatDaemonCommands(devnet: Devnet, dataRoot: string): string[] {
  const { state } = devnet;
  const oracle = state.contracts.OpmlOracle;
  const files = (state.models ?? []).filter((m) => m.file !== undefined);
  if (!oracle || files.length === 0 || state.accounts.length < 3) return [];
  const models = files.map((m) => `${m.modelId}=${shownPath(m.file!)}`).join(",");
  const line = (role: string, account: number, extra: string[]) =>
    [
      "opml",
      role,
      "--rpc-url",
      state.rpcUrl,
      "--oracle",
      oracle,
      "--private-key",
      state.accounts[account]!.privateKey,
      "--models",
      models,
      "--data-dir",
      shownPath(resolve(dataRoot, role)),
      ...extra,
      "--pretty",
    ]
      .map(shellArg)
      .join(" ");
  return [
    "Daemons (paste each into its own terminal; the keys are the public dev keys above):",
    `  # submitter, dev account (1) ${state.accounts[1]!.address}`,
    `  ${line("submitter", 1, [])}`,
    `  # challenger, dev account (2) ${state.accounts[2]!.address}`,
    `  ${line("challenger", 2, ["--mode", "defend"])}`,
  ];
}

/** The human-readable summary `opml devnet` prints. */
export function formatDevnet(devnet: Devnet, deployed: boolean): string {
  const { anvil, deployment } = devnet;
  const lines = [
    `opML devnet: anvil (pid ${anvil.pid})`,
    `  RPC URL   ${anvil.rpcUrl}`,
    `  chain id  ${anvil.chainId}`,
    devnet.state.blockTime
      ? `  mining    a block every ${devnet.state.blockTime} s and one per transaction (chain time follows the wall clock)`
      : "  mining    a block per transaction only: chain time stands still between transactions",
    "",
    "Dev accounts (funded by anvil):",
    "PUBLIC TEST KEYS: derived from Anvil's well-known mnemonic; anyone can spend them. Never use them on a real chain.",
  ];
  anvil.accounts.forEach((a, i) => lines.push(`  (${i}) ${a.address}  key ${a.privateKey}`));
  lines.push("");
  if (!deployed) {
    lines.push("Contracts: none deployed (--no-deploy).");
  } else {
    lines.push(deployment.deployed.length > 0 ? "Contracts (deployed from account 0):" : "Contracts: none deployed.");
    for (const d of deployment.deployed) {
      const spec = DEVNET_CONTRACTS.find((s) => s.name === d.name);
      lines.push(`  ${d.name.padEnd(22)} ${d.address}  ${spec ? spec.description : ""}`.trimEnd());
    }
    if (devnet.models.length > 0) {
      lines.push("Models (registered with OpmlOracle from account 0):");
      for (const m of devnet.models) {
        const c = m.commitment;
        lines.push(
          `  ${m.name.padEnd(22)} model id ${m.modelId}  (${c.nodeCount} nodes, ${c.inputLength}-byte input, ${c.outputLength}-byte output; graphRoot ${bytesToHex(c.graphRoot)})`,
        );
      }
    }
    if (deployment.missing.length > 0) {
      lines.push("Not deployed, their sources do not exist yet:");
      for (const m of deployment.missing) lines.push(`  ${m.name.padEnd(22)} ${m.source}`);
    }
  }
  return lines.join("\n");
}
