import { bytesToHex } from "viem";
import { startAnvil, ANVIL_TEST_MNEMONIC, type Anvil, type StartAnvilOptions } from "../common/anvil.ts";
import { devClients } from "../common/chain.ts";
import { DEVNET_CONTRACTS, deployManifest, type ManifestDeployment, type ProgressLog } from "../common/deploy.ts";
import type { DevnetState } from "../common/devnetState.ts";

export interface DevnetOptions extends Pick<StartAnvilOptions, "port" | "host" | "accounts" | "chainId" | "blockTime"> {
  /** Deploy the manifest (default true). */
  deploy?: boolean;
  /** Forward anvil's own log to stderr. */
  verbose?: boolean;
  /** Receives progress lines (starting, compiling, deploying). */
  log?: ProgressLog;
}

export interface Devnet {
  anvil: Anvil;
  deployment: ManifestDeployment;
  state: DevnetState;
}

/**
 * Starts anvil with the deterministic dev accounts and deploys every manifest contract that
 * exists (from account 0). On any failure after anvil started, anvil is stopped before rethrowing.
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const { deploy = true, verbose = false, log = () => {}, ...anvilOptions } = options;
  log("Starting anvil...");
  const anvil = await startAnvil({ ...anvilOptions, mnemonic: ANVIL_TEST_MNEMONIC, silent: !verbose });
  try {
    let deployment: ManifestDeployment = { deployed: [], missing: [] };
    if (deploy) {
      const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
      deployment = await deployManifest(clients, DEVNET_CONTRACTS, log);
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
    };
    return { anvil, deployment, state };
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
    const model = deployment.model;
    if (model) {
      const c = model.compiled.commitment;
      lines.push(
        "Models (registered with OpmlOracle from account 0):",
        `  ${model.name.padEnd(22)} model id ${model.modelId}  (${c.nodeCount} nodes, ${c.inputLength}-byte input, ${c.outputLength}-byte output; graphRoot ${bytesToHex(c.graphRoot)})`,
      );
    }
    if (deployment.missing.length > 0) {
      lines.push("Not deployed, their sources do not exist yet:");
      for (const m of deployment.missing) lines.push(`  ${m.name.padEnd(22)} ${m.source}`);
    }
  }
  return lines.join("\n");
}
