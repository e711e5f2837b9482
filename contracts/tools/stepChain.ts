/**
 * The on-chain step verifier on a local anvil, called in JSON-RPC batches of `eth_call`s: used by
 * the differential test (test/stepDiff.test.ts) and the gas bench (bench/contracts.ts).
 */
import { decodeFunctionResult, encodeFunctionData, toHex, type Abi, type Address, type Hex } from "viem";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { devClients } from "../../chain/devClients.ts";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ArtifactInvalidError,
  ArtifactNotFoundError,
  deployArtifact,
  deployContracts,
  loadArtifact,
  type DeployedContract,
} from "../../chain/deploy.ts";
import { foundryBinary, REPO_ROOT } from "../../chain/foundry.ts";
import type { StepCase } from "../../vm/tooling.ts";

export const VERIFIER_SPEC = {
  name: "StepVerifier",
  source: "contracts/src/vm/StepVerifier.sol",
  description: "the one-step verifier of the VM (docs/protocol.md §5)",
};
export const PROBE_SPEC = {
  name: "StepGasProbe",
  source: "contracts/test/vm/StepGasProbe.sol",
  description: "measures the gas of one step call",
};

export interface StepChain {
  anvil: Anvil;
  verifier: Address;
  probe: Address;
  verifierAbi: Abi;
  probeAbi: Abi;
  stop(): Promise<void>;
}

export async function startStepChain(): Promise<StepChain> {
  const anvil = await startAnvil({ port: 0 });
  try {
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    let v: DeployedContract | undefined;
    let p: DeployedContract | undefined;
    try {
      [v, p] = await deployContracts(clients, [VERIFIER_SPEC, PROBE_SPEC]);
    } catch (err) {
      // The shared contracts/out is rewritten by everyone's builds; when our artifacts are missing
      // or unusable there, compile just our two sources into a private directory.
      if (!(err instanceof ArtifactInvalidError || err instanceof ArtifactNotFoundError)) throw err;
      const out = await privateBuild();
      try {
        v = await deployArtifact(clients, loadArtifact(VERIFIER_SPEC.name, { outDir: out }));
        p = await deployArtifact(clients, loadArtifact(PROBE_SPEC.name, { outDir: out }));
      } finally {
        rmSync(join(out, ".."), { recursive: true, force: true });
      }
    }
    return {
      anvil,
      verifier: v!.address,
      probe: p!.address,
      verifierAbi: v!.abi,
      probeAbi: p!.abi,
      stop: () => anvil.stop(),
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** `forge build` of the verifier and the probe alone, into a directory of this process. */
function privateBuild(): Promise<string> {
  const dir = join(tmpdir(), `opml-stepverifier-${process.pid}`);
  const args = ["build", "--color", "never", "--out", join(dir, "out"), "--cache-path", join(dir, "cache")];
  return new Promise((resolve, reject) =>
    execFile(
      foundryBinary("forge"),
      [...args, VERIFIER_SPEC.source, PROBE_SPEC.source],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`${stdout}\n${stderr}`)) : resolve(join(dir, "out"))),
    ),
  );
}

/** The result of one on-chain step: the post-state hash and gas, or the revert data. */
export type ChainStep = { ok: true; postStateHash: Hex; gas: bigint } | { ok: false; error: string };

/**
 * Runs every case through `StepGasProbe.measure(verifier, witness, proof)` with `eth_call`, in
 * batches of `batch` requests per HTTP round trip.
 */
export async function stepOnChain(chain: StepChain, cases: readonly StepCase[], batch = 200): Promise<ChainStep[]> {
  const out: ChainStep[] = [];
  let id = 1;
  for (let i = 0; i < cases.length; i += batch) {
    const chunk = cases.slice(i, i + batch);
    const body = chunk.map((c) => ({
      jsonrpc: "2.0",
      id: id++,
      method: "eth_call",
      params: [
        {
          to: chain.probe,
          gas: "0x1c9c380",
          data: encodeFunctionData({
            abi: chain.probeAbi,
            functionName: "measure",
            args: [chain.verifier, toHex(c.preWitness), toHex(c.proof)],
          }),
        },
        "latest",
      ],
    }));
    const res = await fetch(chain.anvil.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const replies = (await res.json()) as { id: number; result?: Hex; error?: { message: string; data?: Hex } }[];
    const byId = new Map(replies.map((r) => [r.id, r]));
    for (const req of body) {
      const r = byId.get(req.id);
      if (!r || r.error || !r.result) {
        out.push({ ok: false, error: r?.error ? `${r.error.message} ${r.error.data ?? ""}` : "no reply" });
        continue;
      }
      const [h, gas] = decodeFunctionResult({ abi: chain.probeAbi, functionName: "measure", data: r.result }) as [
        Hex,
        bigint,
      ];
      out.push({ ok: true, postStateHash: h, gas });
    }
  }
  return out;
}

/** Calldata gas of a proof and witness (EIP-2028: 16 per non-zero byte, 4 per zero byte). */
export function calldataGas(...parts: Uint8Array[]): number {
  let g = 0;
  for (const p of parts) for (const b of p) g += b === 0 ? 4 : 16;
  return g;
}
