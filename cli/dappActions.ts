/**
 * `opml request`, `opml status`, `opml finalize` at work (loaded only when one of them runs):
 * the chain from the one configuration surface, the fee checked against the balance before a
 * request is sent, `request --wait` waiting for the result, `status` for people or for `--json`.
 */
import { formatEther, type Hex } from "viem";
import { collectConfig, ConfigError, type OptionSpec } from "../daemon/config.ts";
import {
  estimateFee,
  getRequestStatus,
  requestGeneration,
  requestInference,
  waitForResult,
  type GetRequestStatusReturnType,
} from "../sdk/index.ts";
import { finalizeRequest } from "../sdk/operator/index.ts";
import { connectChain, requireFunds, signerOf } from "./chainTarget.ts";
import { formatStatus } from "./formatStatus.ts";

/** How long `request --wait` waits when given no number of seconds. */
const DEFAULT_WAIT_S = 600;

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x), 2);

/** Token ids from a comma-separated list. */
function tokenList(text: string): number[] {
  const ids = text.split(",").map((t) => t.trim());
  if (ids.some((t) => !/^\d{1,10}$/.test(t)))
    throw new ConfigError("--prompt-tokens must be comma-separated token ids", { details: text });
  return ids.map(Number);
}

export async function requestAction(specs: readonly OptionSpec[], flags: Record<string, unknown>): Promise<void> {
  const cfg = collectConfig(specs, flags);
  const given = ["input", "prompt", "promptTokens"].filter((k) => flags[k] !== undefined);
  const problems =
    given.length === 1
      ? []
      : [
          `request needs exactly one of --input, --prompt and --prompt-tokens (${given.length ? `given: ${given.join(", ")}` : "none given"})`,
        ];
  const target = await connectChain(cfg, { needKey: true, devnetKey: true, problems });
  const walletClient = signerOf(target);
  const common = {
    oracle: target.oracle,
    modelId: flags.model as bigint,
    callback: flags.callback as `0x${string}` | undefined,
    callbackGasLimit: flags.callbackGas as number,
  };
  const fee = await estimateFee(target.publicClient, common);
  await requireFunds(target, fee, `the request's fee (${formatEther(fee)} ETH, before gas)`);
  const r =
    flags.input !== undefined
      ? await requestInference(walletClient, { ...common, input: flags.input as Hex })
      : await requestGeneration(walletClient, {
          ...common,
          prompt:
            flags.prompt !== undefined
              ? [...new TextEncoder().encode(flags.prompt as string)]
              : tokenList(flags.promptTokens as string),
          maxNew: flags.maxNew as number,
          topK: flags.topK as number,
          invTemp: flags.invTemp as number,
          seed: flags.seed as number,
        });
  const sent = { requestId: r.requestId.toString(), tx: r.hash, fee: r.fee.toString() };
  if (flags.wait === undefined) {
    console.log(JSON.stringify(sent));
    return;
  }
  console.error(`Request ${r.requestId} sent (tx ${r.hash}); waiting for its result…`);
  const output = await waitForResult(target.publicClient, {
    oracle: target.oracle,
    requestId: r.requestId,
    timeoutMs: (flags.wait === true ? DEFAULT_WAIT_S : (flags.wait as number)) * 1000,
  });
  console.log(JSON.stringify({ ...sent, output }));
}

export async function statusAction(
  specs: readonly OptionSpec[],
  id: bigint,
  flags: Record<string, unknown>,
): Promise<void> {
  const target = await connectChain(collectConfig(specs, flags), { needKey: false });
  const [s, block]: [GetRequestStatusReturnType, { timestamp: bigint }] = await Promise.all([
    getRequestStatus(target.publicClient, { oracle: target.oracle, requestId: id }),
    target.publicClient.getBlock(),
  ]);
  console.log(flags.json ? json(s) : formatStatus(s, block.timestamp));
}

export async function finalizeAction(
  specs: readonly OptionSpec[],
  id: bigint,
  flags: Record<string, unknown>,
): Promise<void> {
  const target = await connectChain(collectConfig(specs, flags), { needKey: true, devnetKey: true });
  const r = await finalizeRequest(signerOf(target), { oracle: target.oracle, requestId: id });
  console.log(JSON.stringify({ tx: r.hash, callbackDelivered: r.callbackDelivered ?? null }));
}
