/**
 * The challenger's chain operations as viem actions. `challengeClaim` re-reads the request right
 * before sending: it must still be claimed by the very claim judged wrong, inside its window.
 */
import type { Account, Address, Chain, Client, Hex, Transport } from "viem";
import { getBlock, getContractEvents } from "viem/actions";
import { OpmlError } from "../../common/errors.ts";
import type { TxLog } from "./txLog.ts";
import { opmlOracleAbi } from "../abi.ts";
import { getModel, getRequestStatus } from "../actions.ts";
import { sendOracleTx, WrongRequestStateError } from "./claimActions.ts";

type WalletClient = Client<Transport, Chain | undefined, Account>;
type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;

export class RequestInputNotFoundError extends OpmlError {
  override name = "RequestInputNotFoundError";
}

/** A request's input bytes, from its InferenceRequested event. */
export async function requestInput(client: AnyClient, args: { oracle: Address; requestId: bigint }): Promise<Hex> {
  const logs = await getContractEvents(client, {
    address: args.oracle,
    abi: opmlOracleAbi,
    eventName: "InferenceRequested",
    args: { requestId: args.requestId },
    fromBlock: 0n,
  });
  const input = logs[0]?.args.input;
  if (typeof input !== "string")
    throw new RequestInputNotFoundError(`no InferenceRequested event for request ${args.requestId}`);
  return input;
}

/** Opens a game against claim `claimId` of `requestId`, with the model's challenger bond. */
export async function challengeClaim(
  client: WalletClient,
  args: { oracle: Address; requestId: bigint; claimId: bigint; journal?: TxLog },
): Promise<{ gameId: bigint; hash: Hex }> {
  const s = await getRequestStatus(client, args);
  if (s.status !== "claimed" || !s.claim || s.claim.claimId !== args.claimId) {
    throw new WrongRequestStateError(`request ${args.requestId} no longer has claim ${args.claimId} active`, {
      details: `status ${s.status}, active claim ${s.claim?.claimId ?? "none"}`,
    });
  }
  const now = (await getBlock(client)).timestamp;
  if (now >= s.claim.challengeDeadline) {
    throw new WrongRequestStateError(`claim ${args.claimId}'s challenge window has closed`, {
      details: `deadline ${s.claim.challengeDeadline}, chain time ${now}`,
    });
  }
  const model = await getModel(client, { oracle: args.oracle, modelId: s.modelId });
  const { hash, logs } = await sendOracleTx(
    client,
    { ...args, action: "challenge" },
    "challenge",
    [args.requestId],
    model.challengerBond,
  );
  const ev = logs.find((l) => l.eventName === "ClaimChallenged");
  if (!ev || ev.eventName !== "ClaimChallenged") throw new OpmlError("no ClaimChallenged event", { details: hash });
  return { gameId: ev.args.gameId, hash };
}
