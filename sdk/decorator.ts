/**
 * A viem client decorator: `client.extend(opmlActions({ oracle }))` adds the SDK's actions bound
 * to one oracle, e.g. `await client.requestInference({ modelId: 1n, input })`.
 */
import type { Account, Address, Chain, Client, Transport } from "viem";
import {
  estimateFee,
  getModel,
  getRequestStatus,
  requestInference,
  waitForResult,
  type RequestInferenceArgs,
  type WaitForResultArgs,
} from "./actions.ts";
import { OpmlError } from "../common/errors.ts";

type Omit1<T> = Omit<T, "oracle">;

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
  return <C extends Client<Transport, Chain | undefined, Account | undefined>>(client: C) => ({
    getModel: (args: { modelId: bigint }) => getModel(client, { oracle, ...args }),
    estimateFee: (args: { modelId: bigint; callbackGasLimit?: number }) => estimateFee(client, { oracle, ...args }),
    requestInference: (args: Omit1<RequestInferenceArgs>) => {
      if (!client.account) throw new NoAccountError();
      return requestInference(client as Client<Transport, Chain | undefined, Account>, { oracle, ...args });
    },
    getRequestStatus: (args: { requestId: bigint }) => getRequestStatus(client, { oracle, ...args }),
    waitForResult: (args: Omit1<WaitForResultArgs>) => waitForResult(client, { oracle, ...args }),
  });
}
