/**
 * Gas of the phase boundary (contracts/src/phase/PhaseBoundary.sol) on anvil, through
 * contracts/test/phase/PhaseGasProbe.sol (each call as the dispute game makes it: argument
 * encoding, CALL, execution; the outer transaction's calldata reported apart), over every node of
 * tiny-mlp and random nodes of conv2d, attention, softmax, add and norm. Used by bench/contracts.ts.
 */
import { hexToBytes, toHex, type Hex } from "viem";
import { startAnvil } from "../chain/anvil.ts";
import { devClients } from "../chain/devClients.ts";
import { deployContracts } from "../chain/deploy.ts";
import { kernelProgram } from "../phase/runInVm.ts";
import { programRoot } from "../phase/programRoot.ts";
import type { OpName } from "../dnn-lib/src/ops.ts";
import { mlpCases, randomCase, type Case } from "../phase/cases.ts";
import { encodeExitProof, encodePhaseProof, Phase2Error } from "../phase/phase2.ts";

export interface PhaseGasRow {
  label: string;
  operands: number;
  initialGas: number;
  exitGas: number;
  /** EIP-2028 calldata gas of each proof. */
  phaseCalldata: number;
  exitCalldata: number;
}

const calldataGas = (h: Hex) => hexToBytes(h).reduce((g, b) => g + (b === 0 ? 4 : 16), 0);

export async function phaseBoundaryGas(): Promise<PhaseGasRow[]> {
  const program = await kernelProgram();
  const prog = await programRoot();
  const cases: Case[] = await mlpCases(program);
  for (const [k, name] of (["conv2d", "attention", "softmax", "add", "norm"] as OpName[]).entries())
    cases.push(randomCase(program, prog, name, 100 + k));
  const anvil = await startAnvil({ port: 0 });
  try {
    const clients = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const [pb, probe] = await deployContracts(clients, [
      { name: "PhaseBoundary", source: "contracts/src/phase/PhaseBoundary.sol", description: "phase boundary" },
      { name: "PhaseGasProbe", source: "contracts/test/phase/PhaseGasProbe.sol", description: "gas probe" },
    ]);
    const rows: PhaseGasRow[] = [];
    for (const c of cases) {
      if (!c.run.exit) throw new Phase2Error(`${c.label} trapped`, { details: c.run.machine.trapReason });
      const phaseProof = encodePhaseProof(c.run.phaseProof);
      const exitProof = encodeExitProof(c.run.exit.proof);
      const [initial, initialGas] = (await clients.publicClient.readContract({
        address: probe!.address,
        abi: probe!.abi,
        functionName: "measureInitial",
        args: [pb!.address, c.m, BigInt(c.node), c.sI, phaseProof],
      })) as [Hex, bigint];
      if (initial !== toHex(c.run.initialStateHash))
        throw new Phase2Error(`${c.label}: the contract's initial state differs from the VM's`, {
          details: `${initial} vs ${toHex(c.run.initialStateHash)}`,
        });
      const exitGas = (await clients.publicClient.readContract({
        address: probe!.address,
        abi: probe!.abi,
        functionName: "measureExit",
        args: [pb!.address, c.m, BigInt(c.node), c.sI, c.sNext, toHex(c.run.finalStateHash), exitProof],
      })) as bigint;
      rows.push({
        label: c.label,
        operands: c.operands.length,
        initialGas: Number(initialGas),
        exitGas: Number(exitGas),
        phaseCalldata: calldataGas(phaseProof),
        exitCalldata: calldataGas(exitProof),
      });
    }
    return rows;
  } finally {
    await anvil.stop();
  }
}
