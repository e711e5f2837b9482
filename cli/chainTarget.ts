/**
 * The chain a one-shot command (`opml model register`, `opml dispute show`) talks to: --rpc,
 * --oracle and --key, each defaulting to the running devnet's state file (`opml devnet`). The
 * endpoint is checked to answer and the oracle address to hold code before anything is sent.
 */
import {
  createPublicClient,
  getAddress,
  http,
  isAddress,
  isHex,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
} from "viem";
import { DEV_POLLING_INTERVAL_MS, devChain, devClients, type DevClients } from "../chain/devClients.ts";
import { DevnetStateError, readDevnetState, type DevnetState } from "../devnet/devnetState.ts";
import { ChainError } from "./errors.ts";

export interface ChainFlags {
  rpc?: string;
  oracle?: string;
  key?: string;
  stateFile: string;
}

export interface ChainTarget {
  rpcUrl: string;
  chainId: number;
  oracle: Address;
  /** Where the defaults came from: "flags" or the state file's path. */
  source: string;
  publicClient: PublicClient<Transport, Chain>;
  /** Signing clients, only when a key was given (or needed and taken from the devnet). */
  clients?: DevClients;
}

/** How long one RPC call may take before the chain counts as unreachable. */
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

/** Resolves and checks the target; `needKey` makes a signing key mandatory (flag or devnet account 0). */
export async function resolveChainTarget(flags: ChainFlags, needKey: boolean): Promise<ChainTarget> {
  let state: DevnetState | undefined;
  /** The devnet's value for `flag`; without a devnet, a missing flag is named when others were given. */
  const fromState = (flag: string) => {
    try {
      return (state ??= readDevnetState(flags.stateFile));
    } catch (err) {
      if (!(err instanceof DevnetStateError) || (flags.rpc === undefined && flags.oracle === undefined)) throw err;
      throw new ChainError(`${flag} is needed`, { details: `no devnet to take it from: ${err.details}`, cause: err });
    }
  };
  const rpcUrl = flags.rpc ?? fromState("--rpc").rpcUrl;
  const oracleFlag = flags.oracle ?? fromState("--oracle").contracts.OpmlOracle;
  if (!oracleFlag)
    throw new ChainError("no OpmlOracle address", {
      details: `the devnet in ${flags.stateFile} has no OpmlOracle; pass --oracle`,
    });
  if (!isAddress(oracleFlag, { strict: false }))
    throw new ChainError("--oracle is not an address", { details: `got ${oracleFlag}` });
  const oracle = getAddress(oracleFlag);
  let key = flags.key;
  if (key === undefined && needKey) key = fromState("--key").accounts[0]?.privateKey;
  if (needKey && key === undefined) throw new ChainError("a signing key is needed (--key)");
  if (key !== undefined && !(isHex(key, { strict: true }) && key.length === 66))
    throw new ChainError("--key is not a 32-byte 0x hex private key", { details: "(value not shown)" });

  const { probe, chainId } = await probeChain(rpcUrl);
  const code = await probe.getCode({ address: oracle });
  if (!code || code === "0x")
    throw new ChainError(`no contract at ${oracle} on chain ${chainId}`, {
      details: "--oracle must be the OpmlOracle address (`opml devnet` prints it)",
    });
  const publicClient = createPublicClient({
    chain: devChain(rpcUrl, chainId),
    transport: http(rpcUrl, { timeout: RPC_TIMEOUT_MS }),
    pollingInterval: DEV_POLLING_INTERVAL_MS,
  });
  return {
    rpcUrl,
    chainId,
    oracle,
    source: state ? flags.stateFile : "flags",
    publicClient,
    ...(key !== undefined ? { clients: devClients(rpcUrl, chainId, key) } : {}),
  };
}
