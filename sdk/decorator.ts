/**
 * A viem client decorator: `client.extend(opmlActions({ oracle }))` adds the SDK's actions bound
 * to one oracle, e.g. `await client.requestInference({ modelId: 1n, input })`.
 */
import type { Address } from "viem";
import { OpmlError } from "../common/errors.ts";
import { estimateFee, type EstimateFeeParameters } from "./actions/estimateFee.ts";
import { getModel, type GetModelParameters } from "./actions/getModel.ts";
import { getRequestStatus, type GetRequestStatusParameters } from "./actions/getRequestStatus.ts";
import { requestInference, type RequestInferenceParameters } from "./actions/requestInference.ts";
import { waitForResult, type WaitForResultParameters } from "./actions/waitForResult.ts";
import type { AnyClient, WalletClientWithAccount } from "./types.ts";

/** An action's parameters less the oracle, which the decorator binds. */
type Bound<T> = Omit<T, "oracle">;

export class NoAccountError extends OpmlError {
  override name = "NoAccountError";
  constructor() {
    super("requestInference needs a wallet client with an account", {
      details: "create the client with `account` (e.g. privateKeyToAccount) before extending it",
    });
  }
}

export function opmlActions(config: { oracle: Address }) {
  const { oracle } = config;
  return <C extends AnyClient>(client: C) => ({
    getModel: (parameters: Bound<GetModelParameters>) => getModel(client, { oracle, ...parameters }),
    estimateFee: (parameters: Bound<EstimateFeeParameters>) => estimateFee(client, { oracle, ...parameters }),
    requestInference: (parameters: Bound<RequestInferenceParameters>) => {
      if (!client.account) throw new NoAccountError();
      return requestInference(client as WalletClientWithAccount, { oracle, ...parameters });
    },
    getRequestStatus: (parameters: Bound<GetRequestStatusParameters>) =>
      getRequestStatus(client, { oracle, ...parameters }),
    waitForResult: (parameters: Bound<WaitForResultParameters>) => waitForResult(client, { oracle, ...parameters }),
  });
}
