/**
 * The example dapps the demo story (story.ts) drives: how each asks the oracle (its own contract
 * function, paying its fee) and what its callback made of the final output.
 */
import { bytesToHex, formatEther, hexToBytes, type Abi, type Address, type Hex } from "viem";
import type { DevClients } from "../chain/devClients.ts";
import { loadArtifact } from "../chain/deploy.ts";
import { decodeGeneration } from "../sdk/index.ts";

export interface StoryDapp {
  /** The contract's name, for the story's lines. */
  name: string;
  address: Address;
  /** Step 1's line: what is asked, for what fee. */
  describeRequest(fee: bigint): string;
  /** Sends the dapp's request transaction from `user`, paying `fee`; returns its hash. */
  send(user: DevClients, fee: bigint): Promise<Hex>;
  /** Reads what the callback stored for `requestId`; the story's closing lines. */
  outcome(pc: DevClients, requestId: bigint, output: Hex): Promise<{ delivered: boolean; lines: string[] }>;
}

/** ClassifierGate: classifies an int8 feature tensor; the callback labels the item. */
export function classifierDapp(address: Address, input: Uint8Array): StoryDapp {
  const abi: Abi = loadArtifact("ClassifierGate", { source: "contracts/src/examples/ClassifierGate.sol" }).abi;
  return {
    name: "ClassifierGate",
    address,
    describeRequest: (fee) =>
      `The example dapp (ClassifierGate) asks the oracle to classify ${bytesToHex(input)} (fee ${formatEther(fee)} ETH).`,
    send: (user, fee) =>
      user.walletClient.writeContract({
        address,
        abi,
        functionName: "submit",
        args: [bytesToHex(input)],
        value: fee,
      } as never),
    async outcome(pc, requestId, output) {
      const item = (await pc.publicClient.readContract({
        address,
        abi,
        functionName: "items",
        args: [requestId],
      })) as readonly [unknown, boolean, number];
      const logits = [...hexToBytes(output)].map((x) => (x << 24) >> 24);
      return {
        delivered: item[1],
        lines: [
          `Request ${requestId} finalized with output ${output} (int8 logits ${logits.join(", ")}).`,
          `Callback received: ClassifierGate labelled item ${requestId} as ${item[2]}.`,
        ],
      };
    },
  };
}

/** TextCompletion: completes a byte prompt with a generation model; the callback stores the text. */
export function completionDapp(address: Address, prompt: string, maxNew: number): StoryDapp {
  const abi: Abi = loadArtifact("TextCompletion", { source: "contracts/src/examples/TextCompletion.sol" }).abi;
  const promptHex = bytesToHex(new TextEncoder().encode(prompt));
  return {
    name: "TextCompletion",
    address,
    describeRequest: (fee) =>
      `The example dapp (TextCompletion) asks the oracle to continue ${JSON.stringify(prompt)} by ${maxNew} bytes, greedy (fee ${formatEther(fee)} ETH).`,
    send: (user, fee) =>
      user.walletClient.writeContract({
        address,
        abi,
        functionName: "complete",
        args: [promptHex, maxNew, 0, 0, 1],
        value: fee,
      } as never),
    async outcome(pc, requestId, output) {
      const text = (await pc.publicClient.readContract({
        address,
        abi,
        functionName: "textOf",
        args: [requestId],
      })) as Hex;
      const gen = decodeGeneration(output);
      const shown = new TextDecoder().decode(hexToBytes(text));
      return {
        delivered: text.length > 2,
        lines: [
          `Request ${requestId} finalized: ${gen.tokens.length} new tokens, stopped by ${gen.stop}.`,
          `Callback received: TextCompletion stored ${JSON.stringify(prompt)} + ${JSON.stringify(shown)}.`,
        ],
      };
    },
  };
}
