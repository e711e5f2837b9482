/**
 * The line a daemon logs once its first pass has read the chain: the models it serves (ids, names,
 * nodes, bonds), its open games (after a restart, the ones it resumes), its balance against the
 * largest bond it posts, and the block it has synced to; with a warning when it serves no model
 * (it would ignore everything) and one when its balance cannot cover a bond.
 */
import type { Account, Address, Chain, Client, Transport } from "viem";
import { getBalance } from "viem/actions";
import type { ServedModel } from "../claim/ServedModel.ts";
import { getModel } from "../sdk/index.ts";
import type { GameRole } from "../sdk/operator/index.ts";
import type { Logger } from "./logger.ts";
import type { DaemonMetrics } from "./metrics.ts";

export interface StartupSummaryInput {
  role: GameRole;
  client: Client<Transport, Chain | undefined, Account | undefined>;
  oracle: Address;
  models: ReadonlyMap<bigint, ServedModel>;
  /** gameId → what the game is over (`gameKey`: the request or the claim). */
  games: ReadonlyMap<bigint, bigint>;
  gameKey: string;
  syncedBlock: bigint;
  logger: Logger;
  metrics: DaemonMetrics;
  rpc: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

/** Reads the bonds and the balance, then logs the summary (and its warnings). */
export async function logStartupSummary(i: StartupSummaryInput): Promise<void> {
  const { client, oracle, logger } = i;
  const bondOf = i.role === "defender" ? "submitterBond" : "challengerBond";
  const models = [];
  let bond = 0n;
  for (const [modelId, served] of i.models) {
    const terms = await i.rpc("getModel", () => getModel(client, { oracle, modelId }));
    if (terms[bondOf] > bond) bond = terms[bondOf];
    models.push({
      modelId: String(modelId),
      name: served.compiled.model.name,
      nodes: served.compiled.commitment.nodeCount,
      [bondOf]: String(terms[bondOf]),
    });
  }
  const signer = client.account?.address;
  const balance = signer ? await i.rpc("getBalance", () => getBalance(client, { address: signer })) : undefined;
  if (balance !== undefined) i.metrics.balance(balance);
  if (signer) i.metrics.bond(bond);
  const openGames = [...i.games].map(([gameId, key]) => ({ gameId: String(gameId), [i.gameKey]: String(key) }));
  logger.info(
    {
      models,
      openGames,
      syncedBlock: String(i.syncedBlock),
      balance: balance === undefined ? null : String(balance),
      bond: signer ? String(bond) : null,
    },
    `ready: ${models.length} model(s) served, ${openGames.length} open game(s), synced to block ${i.syncedBlock}`,
  );
  if (i.models.size === 0)
    logger.warn(
      i.role === "defender"
        ? "serving no models: every request is ignored (give --models id=model-file)"
        : "serving no models: no claim is checked (give --models id=model-file)",
    );
  if (balance !== undefined && balance < bond)
    logger.warn(
      { balance: String(balance), bond: String(bond) },
      `balance below the ${i.role === "defender" ? "submitter" : "challenger"} bond: cannot post one`,
    );
}
