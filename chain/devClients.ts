import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  type Account,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/**
 * A viem chain definition for a local dev chain (anvil) at `rpcUrl`. viem's default 4 s polling
 * makes every receipt slow on a chain that mines instantly, so clients made here poll every 50 ms.
 */
export function devChain(rpcUrl: string, chainId: number): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Anvil" : `Local dev chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: true,
  });
}

/** How often clients made here poll a dev chain (blocks, receipts). */
export const DEV_POLLING_INTERVAL_MS = 50;

export interface DevClients {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
}

/** A public client and a wallet client signing locally with `privateKey`, both polling fast. */
export function devClients(rpcUrl: string, chainId: number, privateKey: Hex): DevClients {
  const chain = devChain(rpcUrl, chainId);
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: DEV_POLLING_INTERVAL_MS });
  const walletClient = createWalletClient({
    chain,
    transport,
    account: privateKeyToAccount(privateKey),
    pollingInterval: DEV_POLLING_INTERVAL_MS,
  });
  return { chain, publicClient, walletClient };
}
