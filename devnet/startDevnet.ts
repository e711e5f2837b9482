import { bytesToHex } from "viem";
import { startAnvil, ANVIL_TEST_MNEMONIC, type Anvil, type StartAnvilOptions } from "../chain/anvil.ts";
import { devClients } from "../chain/devClients.ts";
import { DEVNET_CONTRACTS, DeployError, type ProgressLog } from "../chain/deploy.ts";
import { deployManifest, registerModel, type ManifestDeployment } from "./deployManifest.ts";
import type { DevnetState } from "./devnetState.ts";
import { compileModel, type ModelCommitment } from "../phase/compileModel.ts";
import { ModelNotFoundError } from "../dnn-lib/models/errors.ts";
import { DEMO_MODELS, loadModelSource } from "../dnn-lib/models/modelSource.ts";

export interface DevnetOptions extends Pick<StartAnvilOptions, "port" | "host" | "accounts" | "chainId" | "blockTime"> {
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
export interface RegisteredDemoModel {
  name: string;
  modelId: bigint;
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
  const { deploy = true, verbose = false, log = () => {}, models: extra = [], ...anvilOptions } = options;
  checkDemoModelNames(extra);
  log("Starting anvil...");
  const anvil = await startAnvil({ ...anvilOptions, mnemonic: ANVIL_TEST_MNEMONIC, silent: !verbose });
  try {
    let deployment: ManifestDeployment = { deployed: [], missing: [] };
    const models: RegisteredDemoModel[] = [];
    if (deploy) {
      const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
      deployment = await deployManifest(clients, DEVNET_CONTRACTS, log);
      const m = deployment.model;
      if (m) models.push({ name: m.name, modelId: m.modelId, commitment: m.compiled.commitment });
      const oracle = deployment.deployed.find((d) => d.name === "OpmlOracle");
      if (extra.length > 0 && !oracle)
        throw new DeployError("OpmlOracle", "not deployed: no oracle to register models with");
      for (const name of extra) {
        log(`Registering the demo model ${name}...`);
        const compiled = await compileModel((await loadModelSource(name)).model);
        const r = await registerModel(clients, oracle!.address, compiled);
        models.push({ name, modelId: r.modelId, commitment: compiled.commitment });
      }
    }
    const state: DevnetState = {
      version: 1,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      pid: anvil.pid,
      startedAt: new Date().toISOString(),
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

/** The human-readable summary `opml devnet` prints. */
export function formatDevnet(devnet: Devnet, deployed: boolean): string {
  const { anvil, deployment } = devnet;
  const lines = [
    `opML devnet: anvil (pid ${anvil.pid})`,
    `  RPC URL   ${anvil.rpcUrl}`,
    `  chain id  ${anvil.chainId}`,
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
