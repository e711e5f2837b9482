/**
 * The chain every command talks to, from one configuration surface (daemon/config.ts): flags,
 * OPML_* env, the config file, then the deployment file (`opml deploy`) and the devnet state file
 * (`opml devnet`) as fallbacks for the oracle and the RPC URL. Everything wrong that can be seen
 * without the chain is reported at once (one ConfigError); then the endpoint is checked to answer,
 * the oracle address to be an OpmlOracle, and the signer is opened.
 */
import { existsSync } from "node:fs";
import {
  createPublicClient,
  createWalletClient,
  formatEther,
  getAddress,
  http,
  isAddress,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { DEV_POLLING_INTERVAL_MS, devChain } from "../chain/devClients.ts";
import { readDeploymentFile, type DeploymentFile } from "../chain/deploymentFile.ts";
import { ConfigError, throwProblems, type ResolvedConfig } from "../daemon/config.ts";
import { signerAccount, signerProblems, signersGiven } from "../daemon/signer.ts";
import { readDevnetState, type DevnetState } from "../devnet/devnetState.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { OpmlError } from "../common/errors.ts";
import { ChainError, InsufficientFundsError } from "./errors.ts";

export interface ChainTarget {
  rpcUrl: string;
  chainId: number;
  oracle: Address;
  publicClient: PublicClient<Transport, Chain>;
  /** Only when a signer is configured (or taken from the devnet). */
  walletClient?: WalletClient<Transport, Chain, Account>;
}

export interface ConnectOptions {
  /** The command must sign. */
  needKey: boolean;
  /** With no signer given and the RPC URL the devnet's, sign with the devnet's account 0 (its keys are public). */
  devnetKey?: boolean;
  /** The command's own problems found so far (model files, data directory…), reported with the rest. */
  problems?: string[];
  /** A check of the chain itself, run once its id is known and before the oracle or signer is used. */
  checkChain?: (chainId: number, rpcUrl: string) => void;
}

/** How long one RPC call of a one-shot command may take before the chain counts as unreachable. */
const RPC_TIMEOUT_MS = 10_000;

/**
 * A client for `rpcUrl` that fails fast (no retries, {@link RPC_TIMEOUT_MS}) and the chain id it
 * answers; {@link ChainError} when it does not answer.
 */
export async function probeChain(rpcUrl: string) {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: RPC_TIMEOUT_MS }) });
  try {
    return { probe, chainId: await probe.getChainId() };
  } catch (err) {
    throw new ChainError(`cannot reach the chain at ${rpcUrl}`, {
      details: "is the RPC URL right and the node running? (`opml devnet` starts one)",
      cause: err,
    });
  }
}

/** Fills the RPC URL, the oracle (and with `devnetKey` the key) from the deployment and devnet files. */
export function applyFallbacks(
  cfg: ResolvedConfig,
  devnetKey: boolean,
): { deployment?: DeploymentFile; problems: string[] } {
  const v = cfg.values;
  const problems: string[] = [];
  const unset = (name: string) => cfg.sources[name] === undefined || cfg.sources[name] === "default";
  const fill = (name: string, value: string | undefined, file: string) => {
    if (value === undefined || !unset(name)) return;
    v[name] = value;
    cfg.sources[name] = "fallback";
    cfg.fallbackFrom[name] = file;
  };
  let deployment: DeploymentFile | undefined;
  const deploymentFile = v.deployment as string | undefined;
  if (deploymentFile !== undefined && existsSync(deploymentFile) && unset("oracle")) {
    try {
      deployment = readDeploymentFile(deploymentFile);
      fill("oracle", deployment.contracts.OpmlOracle, deploymentFile);
      if (cfg.sources.oracle !== "fallback") deployment = undefined;
    } catch (err) {
      problems.push(
        `the deployment file ${deploymentFile} cannot be read (${err instanceof OpmlError ? err.shortMessage : String(err)})`,
      );
    }
  }
  const stateFile = v.stateFile as string | undefined;
  if (stateFile !== undefined && existsSync(stateFile)) {
    let state: DevnetState | undefined;
    try {
      state = readDevnetState(stateFile);
    } catch {
      // A stale or torn devnet record is only a fallback: the settings it would give are missing.
    }
    if (state) {
      fill("rpcUrl", state.rpcUrl, stateFile);
      if (deployment === undefined) fill("oracle", state.contracts.OpmlOracle, stateFile);
      if (devnetKey && signersGiven(cfg).length === 0 && v.rpcUrl === state.rpcUrl)
        fill("privateKey", state.accounts[0]?.privateKey, stateFile);
    }
  }
  return { ...(deployment && { deployment }), problems };
}

function rpcUrlProblems(cfg: ResolvedConfig): string[] {
  const url = cfg.values.rpcUrl as string;
  return /^https?:\/\/[^\s/]+/.test(url) ? [] : [`--rpc-url ${url} is not an http(s):// URL`];
}

function oracleProblems(cfg: ResolvedConfig): string[] {
  const o = cfg.values.oracle as string | undefined;
  if (o === undefined)
    return [
      "the OpmlOracle address is needed: --oracle <address> (or OPML_ORACLE), or a deployment file (`opml deploy`) or a running `opml devnet`",
    ];
  if (!isAddress(o, { strict: false })) return [`--oracle ${o} is not an address`];
  return [];
}

/** Whether `address` answers the oracle's views: an account without code, or another contract, does not. */
async function checkOracle(client: PublicClient<Transport, Chain>, oracle: Address, chainId: number, from: string) {
  const code = await client.getCode({ address: oracle });
  const origin = from === "flag" ? "--oracle" : `the oracle (${from})`;
  if (!code || code === "0x")
    throw new ChainError(
      `${origin} ${oracle} is not a contract on chain ${chainId}: it is an account without code (an EOA), not the OpmlOracle`,
      { details: "give the OpmlOracle address `opml deploy` or `opml devnet` printed, on this chain" },
    );
  try {
    await Promise.all(
      (["modelCount", "requestCount", "disputeGame"] as const).map((functionName) =>
        client.readContract({ address: oracle, abi: opmlOracleAbi, functionName }),
      ),
    );
  } catch {
    throw new ChainError(
      `${origin} ${oracle} on chain ${chainId} is a contract but not an OpmlOracle: it does not answer modelCount(), requestCount() and disputeGame()`,
      { details: "give the OpmlOracle address `opml deploy` or `opml devnet` printed, on this chain" },
    );
  }
}

/** Resolves, checks and connects; throws one ConfigError with every local problem, then a ChainError. */
export async function connectChain(cfg: ResolvedConfig, options: ConnectOptions): Promise<ChainTarget> {
  const { deployment, problems: fallbackProblems } = applyFallbacks(cfg, options.devnetKey ?? false);
  throwProblems([
    ...cfg.problems,
    ...fallbackProblems,
    ...rpcUrlProblems(cfg),
    ...oracleProblems(cfg),
    ...signerProblems(cfg, options.needKey),
    ...(options.problems ?? []),
  ]);
  const rpcUrl = cfg.values.rpcUrl as string;
  const timeout = typeof cfg.values.rpcTimeoutMs === "number" ? cfg.values.rpcTimeoutMs : RPC_TIMEOUT_MS;
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch {
    const from = cfg.sources.rpcUrl === "fallback" ? ` (from ${cfg.fallbackFrom.rpcUrl})` : "";
    throw new ChainError(`cannot reach the chain at ${rpcUrl}${from}`, {
      details:
        "no JSON-RPC answer to eth_chainId: is the URL right (--rpc-url or OPML_RPC_URL) and the node running? (`opml devnet` starts one)",
    });
  }
  options.checkChain?.(chainId, rpcUrl);
  if (deployment && deployment.chainId !== chainId)
    throw new ChainError(
      `the deployment file ${cfg.values.deployment as string} is for chain ${deployment.chainId}, but ${rpcUrl} is chain ${chainId}`,
      { details: "give --oracle, or the --rpc-url of the chain it was deployed to" },
    );
  const oracle = getAddress(cfg.values.oracle as string);
  const chain = devChain(rpcUrl, chainId);
  const pollingInterval = typeof cfg.values.pollMs === "number" ? cfg.values.pollMs : DEV_POLLING_INTERVAL_MS;
  const transport = http(rpcUrl, {
    timeout,
    ...(typeof cfg.values.rpcRetries === "number" && { retryCount: Math.max(0, cfg.values.rpcRetries - 1) }),
  });
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  await checkOracle(
    publicClient,
    oracle,
    chainId,
    cfg.sources.oracle === "fallback" ? `from ${cfg.fallbackFrom.oracle}` : (cfg.sources.oracle ?? ""),
  );
  const account = await signerAccount(cfg);
  const walletClient = account ? createWalletClient({ chain, transport, pollingInterval, account }) : undefined;
  return { rpcUrl, chainId, oracle, publicClient, ...(walletClient && { walletClient }) };
}

/** The wallet client of a target that must sign (connectChain with needKey guarantees one). */
export function signerOf(target: ChainTarget): WalletClient<Transport, Chain, Account> {
  if (!target.walletClient) throw new ConfigError("a signing key is needed");
  return target.walletClient;
}

/** Refuses, before sending, an account whose balance does not cover `need` wei (`what` it is for). */
export async function requireFunds(target: ChainTarget, need: bigint, what: string): Promise<void> {
  const address = signerOf(target).account.address;
  const have = await target.publicClient.getBalance({ address });
  if (have < need)
    throw new InsufficientFundsError(
      address,
      need,
      have,
      `${what}: needs ${formatEther(need)} ETH, has ${formatEther(have)} ETH on chain ${target.chainId}; fund ${address}`,
    );
}
