/**
 * Turning a resolved daemon configuration into running parts: viem clients (RPC timeout from the
 * config; bounded transport retries for one-shot commands, none for the daemons, whose own retry
 * layer is daemon/retry.ts), the served models (model files compiled and checked against the
 * commitment registered on chain), the logger, the journal, the metrics and their HTTP endpoint.
 */
import { existsSync, statSync } from "node:fs";
import {
  bytesToHex,
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  isAddress,
  isHex,
  type Account,
  type Address,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getChainId } from "viem/actions";
import { getModel } from "../sdk/index.ts";
import { RUNNER_BACKENDS, ServedModel, type RunnerBackend } from "../claim/ServedModel.ts";
import { ConfigError, type ResolvedConfig } from "./config.ts";
import { lockDataDir } from "./dataDirLock.ts";
import { Journal } from "./journal.ts";
import { createLogger, type Logger } from "./logger.ts";
import { DaemonMetrics } from "./metrics.ts";
import { serveMetrics, type MetricsServer } from "./metricsServer.ts";
import type { RetryOptions } from "./retry.ts";
import type { DaemonOptions } from "./Daemon.ts";

export class ModelMismatchError extends ConfigError {
  override name = "ModelMismatchError";
}

/**
 * The viem clients of `cfg`. `account` (a keystore's or remote signer's) signs instead of
 * `privateKey`. `retryCount`: viem's own retries per request (default `rpcRetries - 1`); the
 * daemons pass 0, retrying in one layer of their own (`rpc` in daemon/Daemon.ts).
 */
export function clientsFrom(cfg: ResolvedConfig, opts: { account?: Account | undefined; retryCount?: number } = {}) {
  const v = cfg.values;
  const transport = http(v.rpcUrl as string, {
    timeout: v.rpcTimeoutMs as number,
    retryCount: opts.retryCount ?? Math.max(0, (v.rpcRetries as number) - 1),
  });
  const pollingInterval = v.pollMs as number;
  const publicClient = createPublicClient({ transport, pollingInterval });
  const key = v.privateKey as string | undefined;
  if (key !== undefined && !(isHex(key, { strict: true }) && key.length === 66)) {
    throw new ConfigError("privateKey is not a 32-byte 0x hex key", { details: "(value not shown)" });
  }
  const signer = opts.account ?? (key ? privateKeyToAccount(key) : undefined);
  const walletClient = signer ? createWalletClient({ transport, pollingInterval, account: signer }) : undefined;
  return { publicClient, walletClient };
}

export function oracleFrom(cfg: ResolvedConfig): Address {
  const o = cfg.values.oracle as string | undefined;
  if (!o || !isAddress(o, { strict: false }))
    throw new ConfigError("oracle must be set to the OpmlOracle address", { details: `got ${o ?? "(unset)"}` });
  return getAddress(o);
}

/**
 * Loads `id=path` model entries: decodes each model file, compiles it, and refuses one whose
 * commitment differs from model `id`'s registered commitment (serving it would only lose bonds).
 */
/**
 * The `--models` entries (`id=path`) as ids and files, checked all at once: an entry that is not
 * `id=path`, an id given twice, a file that is missing. One ConfigError lists every problem.
 */
export function parseModelEntries(entries: readonly string[]): { id: bigint; file: string }[] {
  const out: { id: bigint; file: string }[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const m = /^(\d+)=(.+)$/.exec(entry);
    if (!m) {
      problems.push(`${JSON.stringify(entry)} is not id=path`);
      continue;
    }
    const [id, file] = [BigInt(m[1]!), m[2]!];
    if (out.some((o) => o.id === id)) problems.push(`model ${id} is given twice`);
    else if (!existsSync(file) || !statSync(file).isFile()) problems.push(`${file} (model ${id}): no such file`);
    else out.push({ id, file });
  }
  if (problems.length > 0)
    throw new ConfigError(`the models to serve (--models / OPML_MODELS): ${problems.join("; ")}`, {
      details: "give each model once, as id=path to a file written by `opml model compile`",
    });
  return out;
}

export async function loadServedModels(
  client: Parameters<typeof getModel>[0],
  oracle: Address,
  entries: readonly string[],
  logger: Logger,
  backend = "native",
): Promise<Map<bigint, ServedModel>> {
  if (!(RUNNER_BACKENDS as readonly string[]).includes(backend))
    throw new ConfigError(`unknown backend ${backend} (--backend / OPML_BACKEND)`, {
      details: `one of ${RUNNER_BACKENDS.join(", ")}`,
    });
  const out = new Map<bigint, ServedModel>();
  for (const { id, file } of parseModelEntries(entries)) {
    const served = await ServedModel.fromFile(file, backend as RunnerBackend);
    const { compiled } = served;
    const onChain = await getModel(client, { oracle, modelId: id });
    const c = compiled.commitment;
    const same =
      onChain.programRoot === bytesToHex(c.programRoot) &&
      onChain.graphRoot === bytesToHex(c.graphRoot) &&
      onChain.weightsRoot === bytesToHex(c.weightsRoot) &&
      onChain.nodeCount === c.nodeCount &&
      onChain.outputSlot === c.outputSlot &&
      onChain.inputLength === c.inputLength &&
      onChain.inputTokenBound === c.inputTokenBound;
    if (!same) throw new ModelMismatchError(`${file} does not compile to model ${id}'s registered commitment`);
    out.set(id, served);
    logger.info({ modelId: String(id), file, nodes: c.nodeCount, backend }, "serving model");
  }
  return out;
}

/**
 * The logger, clients, oracle, journal, data-directory lock, retry options, metrics and metrics
 * endpoint of a daemon (the lock first: a directory another live daemon holds is refused before
 * anything else); logs its start-up line. `destination`: where logs go (default stdout); `account`: the signer, when not `privateKey`.
 * `stop` closes the endpoint and releases the lock.
 */
export async function daemonParts(
  cfg: ResolvedConfig,
  role: string,
  mode: string,
  destination?: NodeJS.WritableStream,
  account?: Account,
) {
  const v = cfg.values;
  const logger = createLogger({
    level: v.logLevel as string,
    pretty: v.pretty as boolean,
    base: { role, mode },
    destination,
  });
  const { publicClient, walletClient } = clientsFrom(cfg, { account, retryCount: 0 });
  const oracle = oracleFrom(cfg);
  const retry: RetryOptions = { attempts: v.rpcRetries as number, timeoutMs: v.rpcTimeoutMs as number };
  const lock = lockDataDir(v.dataDir as string, role);
  const metrics = new DaemonMetrics({ labels: { role }, processMetrics: true });
  let chainId: number;
  let server: MetricsServer | undefined;
  try {
    chainId = await getChainId(publicClient);
    if (v.metricsPort !== undefined)
      server = await serveMetrics(metrics, {
        port: v.metricsPort as number,
        host: v.metricsHost as string,
        staleMs: v.healthStaleMs as number,
      });
  } catch (err) {
    lock.release();
    throw err;
  }
  logger.info(
    {
      chainId,
      oracle,
      signer: walletClient?.account.address ?? null,
      rpcUrl: v.rpcUrl,
      dataDir: v.dataDir,
      metrics: server ? `${server.url}/metrics` : null,
    },
    `opml ${role} starting`,
  );
  const journal = new Journal(v.dataDir as string);
  const stop = async () => {
    await server?.close();
    lock.release();
  };
  /** What both roles' daemons take from the configuration (DaemonOptions but the client and models). */
  const options = {
    oracle,
    logger,
    journal,
    fromBlock: BigInt(v.fromBlock as number),
    reorgMargin: BigInt(v.reorgMargin as number),
    pollMs: v.pollMs as number,
    maxInFlight: v.maxInFlight as number,
    retry,
    metrics,
  } satisfies Partial<DaemonOptions>;
  return { logger, publicClient, walletClient, oracle, journal, chainId, lock, metrics, server, options, stop };
}
