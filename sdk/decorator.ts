/**
 * A viem client decorator: `client.extend(opmlActions({ oracle }))` adds the SDK's actions bound
 * to one oracle, e.g. `await client.requestInference({ modelId: 1n, input })`. Actions that send
 * need a client with an account ({@link NoAccountError} otherwise).
 */
import type { Address } from "viem";
import { OpmlError } from "../common/errors.ts";
import { cancelRequest, type CancelRequestParameters } from "./actions/cancelRequest.ts";
import { estimateFee, type EstimateFeeParameters } from "./actions/estimateFee.ts";
import { finalizeRequest, type FinalizeRequestParameters } from "./actions/finalizeRequest.ts";
import { getGame, type GetGameParameters } from "./actions/getGame.ts";
import { getModel, type GetModelParameters } from "./actions/getModel.ts";
import { getRequestStatus, type GetRequestStatusParameters } from "./actions/getRequestStatus.ts";
import { requestGeneration, type RequestGenerationParameters } from "./actions/requestGeneration.ts";
import { requestInference, type RequestInferenceParameters } from "./actions/requestInference.ts";
import { retryCallback, type RetryCallbackParameters } from "./actions/retryCallback.ts";
import { waitForResult, type WaitForResultParameters } from "./actions/waitForResult.ts";
import { watchClaims, type WatchClaimsParameters } from "./actions/watchClaims.ts";
import { watchDisputes, type WatchDisputesParameters } from "./actions/watchDisputes.ts";
import { watchRequests, type WatchRequestsParameters } from "./actions/watchRequests.ts";
import { watchResults, type WatchResultsParameters } from "./actions/watchResults.ts";
import { withdrawPayouts, type WithdrawPayoutsParameters } from "./actions/withdrawPayouts.ts";
import type { AnyClient, WalletClientWithAccount } from "./types.ts";

/** An action's parameters less the oracle, which the decorator binds. */
type Bound<T> = Omit<T, "oracle">;

export class NoAccountError extends OpmlError {
  override name = "NoAccountError";
  constructor(action: string) {
    super(`${action} needs a wallet client with an account`, {
      details: "create the client with `account` (e.g. privateKeyToAccount) before extending it",
    });
  }
}

export function opmlActions(config: { oracle: Address }) {
  const { oracle } = config;
  return <C extends AnyClient>(client: C) => {
    const wallet = (action: string): WalletClientWithAccount => {
      if (!client.account) throw new NoAccountError(action);
      return client as WalletClientWithAccount;
    };
    /** Runs a sending action; a missing account is a rejected promise like any other failure. */
    const send = async <P, R>(
      action: string,
      fn: (c: WalletClientWithAccount, p: P & { oracle: Address }) => Promise<R>,
      parameters: P,
    ): Promise<R> => fn(wallet(action), { ...parameters, oracle });
    return {
      getModel: (parameters: Bound<GetModelParameters>) => getModel(client, { ...parameters, oracle }),
      estimateFee: (parameters: Bound<EstimateFeeParameters>) => estimateFee(client, { ...parameters, oracle }),
      getRequestStatus: (parameters: Bound<GetRequestStatusParameters>) =>
        getRequestStatus(client, { ...parameters, oracle }),
      getGame: (parameters: Bound<GetGameParameters>) => getGame(client, { ...parameters, oracle }),
      waitForResult: (parameters: Bound<WaitForResultParameters>) => waitForResult(client, { ...parameters, oracle }),
      requestInference: (parameters: Bound<RequestInferenceParameters>) =>
        send("requestInference", requestInference, parameters),
      requestGeneration: (parameters: Bound<RequestGenerationParameters>) =>
        send("requestGeneration", requestGeneration, parameters),
      finalizeRequest: (parameters: Bound<FinalizeRequestParameters>) =>
        send("finalizeRequest", finalizeRequest, parameters),
      cancelRequest: (parameters: Bound<CancelRequestParameters>) => send("cancelRequest", cancelRequest, parameters),
      retryCallback: (parameters: Bound<RetryCallbackParameters>) => send("retryCallback", retryCallback, parameters),
      withdrawPayouts: (parameters: Bound<WithdrawPayoutsParameters> = {}) =>
        send("withdrawPayouts", withdrawPayouts, parameters),
      watchRequests: (parameters: Bound<WatchRequestsParameters>) => watchRequests(client, { ...parameters, oracle }),
      watchClaims: (parameters: Bound<WatchClaimsParameters>) => watchClaims(client, { ...parameters, oracle }),
      watchDisputes: (parameters: Bound<WatchDisputesParameters>) => watchDisputes(client, { ...parameters, oracle }),
      watchResults: (parameters: Bound<WatchResultsParameters>) => watchResults(client, { ...parameters, oracle }),
    };
  };
}
