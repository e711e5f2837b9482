/**
 * A signer that holds the key elsewhere and signs over JSON-RPC (a Clef, Web3Signer or a node with
 * unlocked accounts): a viem account whose transactions are signed with `eth_signTransaction`,
 * messages with `personal_sign` and typed data with `eth_signTypedData_v4`, then sent as raw
 * transactions to the chain's own RPC. The key never enters this process.
 */
import {
  createClient,
  formatTransactionRequest,
  getAddress,
  http,
  isAddress,
  isHex,
  BaseError,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionSerializable,
} from "viem";
import { toAccount } from "viem/accounts";
import { OpmlError } from "../common/errors.ts";

/** The remote signer does not answer, does not hold the address, or refuses to sign. */
export class RemoteSignerError extends OpmlError {
  override name = "RemoteSignerError";
}

export interface RemoteSignerOptions {
  url: string;
  /** The account to sign with; without it, the signer must hold exactly one. */
  address?: Address;
  timeoutMs?: number;
}

/** The transaction as `eth_signTransaction` takes it (hex quantities, `from`). */
function toRpcTransaction(from: Address, tx: TransactionSerializable): Record<string, unknown> {
  // formatTransactionRequest maps viem's bigint fields and the type name to RPC hex.
  const rpc = formatTransactionRequest({ ...tx, from } as Parameters<typeof formatTransactionRequest>[0]);
  return Object.fromEntries(Object.entries(rpc).filter(([, v]) => v !== undefined));
}

/** Connects to the signer, settles the account it signs with, and returns it as a viem account. */
export async function remoteSignerAccount(options: RemoteSignerOptions): Promise<LocalAccount> {
  const client = createClient({
    transport: http(options.url, { retryCount: 0, timeout: options.timeoutMs ?? 15_000 }),
  });
  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    try {
      return await client.request({ method, params } as never);
    } catch (err) {
      const why = err instanceof BaseError ? err.shortMessage : String(err);
      throw new RemoteSignerError(`the remote signer at ${options.url} failed ${method}`, {
        details: why.split("\n")[0],
      });
    }
  };
  const accounts = ((await call("eth_accounts", [])) as string[]).filter((a) => isAddress(a, { strict: false }));
  let address = options.address;
  if (address === undefined) {
    if (accounts.length !== 1)
      throw new RemoteSignerError(`the remote signer at ${options.url} holds ${accounts.length} accounts`, {
        details: `pass --signer-address to pick one${accounts.length ? ` (${accounts.slice(0, 4).join(", ")}${accounts.length > 4 ? ", …" : ""})` : ""}`,
      });
    address = getAddress(accounts[0]!);
  } else if (!accounts.some((a) => a.toLowerCase() === address!.toLowerCase())) {
    throw new RemoteSignerError(`the remote signer at ${options.url} does not hold ${address}`, {
      details: `it holds ${accounts.length ? accounts.join(", ") : "no account"}`,
    });
  }
  const from = address;
  const signed = (v: unknown, method: string): Hex => {
    if (!isHex(v) || v.length < 4)
      throw new RemoteSignerError(`the remote signer's ${method} answer is not a signature`, {
        details: `got ${JSON.stringify(v)?.slice(0, 80)}`,
      });
    return v;
  };
  return toAccount({
    address: from,
    async signTransaction(tx) {
      const answer = await call("eth_signTransaction", [toRpcTransaction(from, tx)]);
      // Some signers answer { raw, tx } (geth's personal API), others the raw hex.
      const raw = typeof answer === "object" && answer !== null ? (answer as { raw?: unknown }).raw : answer;
      return signed(raw, "eth_signTransaction");
    },
    async signMessage({ message }) {
      const data = typeof message === "string" ? `0x${Buffer.from(message).toString("hex")}` : message.raw;
      const hexData = typeof data === "string" ? data : `0x${Buffer.from(data).toString("hex")}`;
      return signed(await call("personal_sign", [hexData, from]), "personal_sign");
    },
    async signTypedData(typedData) {
      const json = JSON.stringify(typedData, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      return signed(await call("eth_signTypedData_v4", [from, json]), "eth_signTypedData_v4");
    },
  });
}
