/**
 * A dapp written against the packed `@opml/sdk` with its own viem, as a user outside this
 * repository would: it is copied into a scratch project by sdk/test/package.test.ts, typechecked
 * there and run against anvil. It quantizes float features by the model file's input scale,
 * requests an inference, waits for the result and prints the dequantized output.
 * Settings: RPC_URL, ORACLE, PRIVATE_KEY, MODEL_ID, MODEL_FILE, FEATURES (comma-separated floats).
 */
import { readFileSync } from "node:fs";
import { BaseError, createWalletClient, http, publicActions, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { dequantizeOutput, OpmlError, opmlActions, quantizeInput, readModelScales, UnknownModelError } from "@opml/sdk";

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

const client = createWalletClient({
  account: privateKeyToAccount(setting("PRIVATE_KEY") as Hex),
  chain: foundry,
  transport: http(setting("RPC_URL")),
  pollingInterval: 50,
})
  .extend(publicActions)
  .extend(opmlActions({ oracle: setting("ORACLE") as Address }));

const model = readModelScales(readFileSync(setting("MODEL_FILE")));
const input = quantizeInput(model, setting("FEATURES").split(",").map(Number));
const modelId = BigInt(setting("MODEL_ID"));

// A typed error from the SDK is a BaseError of the dapp's own viem: there is one viem.
const unknown = await client.estimateFee({ modelId: 999n }).catch((e: unknown) => e);
if (!(unknown instanceof UnknownModelError && unknown instanceof OpmlError && unknown instanceof BaseError))
  throw new Error("an unknown model did not give UnknownModelError");

const fee = await client.estimateFee({ modelId });
const { requestId } = await client.requestInference({ modelId, input });
console.log(JSON.stringify({ requestId: String(requestId), fee: String(fee) }));

const output = await client.waitForResult({ requestId, timeoutMs: 120_000 });
const status = await client.getRequestStatus({ requestId });
console.log(JSON.stringify({ output, status: status.status, values: [...dequantizeOutput(model, output)] }));
