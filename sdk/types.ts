/** The client shapes the SDK's actions take, and the oracle a call is made to. */
import type { Account, Address, Chain, Client, Transport } from "viem";

/** Any viem client: reads need no account. */
export type AnyClient = Client<Transport, Chain | undefined, Account | undefined>;

/** A viem client with an account: what sends a transaction. */
export type WalletClientWithAccount = Client<Transport, Chain | undefined, Account>;

export interface OracleTarget {
  /** The OpmlOracle address. */
  oracle: Address;
}
