/**
 * Gas of the on-chain one-step verifier (contracts/src/vm/StepVerifier.sol), measured on anvil
 * through contracts/test/vm/StepGasProbe.sol (the step call as the dispute game makes it: argument
 * encoding, CALL, the verifier's execution) over the golden vectors
 * (contracts/test/vectors/vm/*.json, vm/tools/goldenVectors.ts) and, for the per-class maxima, over a sample of random-program
 * states as well. The calldata the proof adds to the final move's transaction is reported apart
 * (EIP-2028 pricing), since the game pays it once per dispute, not per step executed.
 */
import { readGoldenVectors, opClass, randomCases, type StepCase } from "../vm/tooling.ts";
import { calldataGas, startStepChain, stepOnChain } from "../contracts/tools/stepChain.ts";
import { phaseBoundaryGas } from "./phaseGas.ts";
import type { BenchReport } from "./harness.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function bench(): Promise<BenchReport> {
  const vectors = readGoldenVectors();
  const sample = randomCases(8, 4242);
  const chain = await startStepChain();
  try {
    const [rv, rs] = [await stepOnChain(chain, vectors), await stepOnChain(chain, sample)];
    const gasOf = (cases: StepCase[], res: typeof rv) =>
      cases.map((c, i) => {
        const r = res[i]!;
        if (!r.ok) throw new Error(`${c.source}: the step reverted: ${r.error}`);
        if (r.postStateHash !== `0x${Buffer.from(c.postStateHash).toString("hex")}`)
          throw new Error(`${c.source}: the contract disagrees with the VM`);
        return { c, gas: Number(r.gas), calldata: calldataGas(c.preWitness, c.proof) };
      });
    const gv = gasOf(vectors, rv);
    const gs = gasOf(sample, rs);
    const byClass = new Map<string, { gas: number[]; calldata: number[]; accesses: number[] }>();
    for (const x of [...gv, ...gs]) {
      const k = opClass(x.c.op);
      const e = byClass.get(k) ?? { gas: [], calldata: [], accesses: [] };
      e.gas.push(x.gas);
      e.calldata.push(x.calldata);
      e.accesses.push(x.c.accesses);
      byClass.set(k, e);
    }
    const gasV = gv.map((x) => x.gas);
    const all = [...gv, ...gs];
    const worst = all.reduce((a, b) => (b.gas > a.gas ? b : a));
    const worstCd = all.reduce((a, b) => (b.calldata > a.calldata ? b : a));
    const rows: [string, string, string][] = [...byClass]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, e]) => [
        `step gas: ${k}`,
        `max ${Math.max(...e.gas)}, median ${median(e.gas)}`,
        `${e.gas.length} steps, ≤ ${Math.max(...e.accesses)} leaf accesses; proof calldata max ${Math.max(...e.calldata)} gas`,
      ]);
    const phase = await phaseBoundaryGas();
    for (const p of phase)
      rows.push([
        `phase boundary: ${p.label}`,
        `initialStateHash ${p.initialGas}, checkExit ${p.exitGas}`,
        `${p.operands} operands; proof calldata ${p.phaseCalldata} + ${p.exitCalldata} gas`,
      ]);
    return {
      title: "Contracts: one-step verifier",
      metrics: {
        "gas.step.max": Math.max(...gasV),
        "gas.step.median": median(gasV),
        "gas.step.maxWithSample": worst.gas,
        "gas.step.calldataMax": worstCd.calldata,
        "gas.step.vectors": gv.length,
        "gas.phase.initial.max": Math.max(...phase.map((p) => p.initialGas)),
        "gas.phase.exit.max": Math.max(...phase.map((p) => p.exitGas)),
        "gas.phase.calldataMax": Math.max(...phase.map((p) => p.phaseCalldata + p.exitCalldata)),
      },
      rows,
      notes: [
        `Step gas is the StepVerifier call as the game makes it (StepGasProbe: encoding + CALL + execution), ` +
          `over ${gv.length} golden vectors (gas.step.max/median) and ${gs.length} random-program states (per-class rows include both).`,
        `Worst step: ${worst.c.source} (op ${String(worst.c.op)}, ${worst.c.accesses} accesses), ${worst.gas} gas. ` +
          `Each leaf access is 992 bytes of proof: 31 keccaks to check it, 62 for a write (old and new root in one climb).`,
        `The proof's calldata (16 gas per non-zero byte) is paid once by the final move's transaction: at most ` +
          `${worstCd.calldata} gas (${worstCd.c.accesses} accesses, ${worstCd.c.source}); a transaction's total for the ` +
          `final step is therefore about 21k + calldata + step gas + the game's own bookkeeping.`,
        `Phase boundary (contracts/src/phase/PhaseBoundary.sol, bench/phaseGas.ts): each call through PhaseGasProbe as ` +
          `the game's openPhase2 makes it, over every tiny-mlp node and random conv2d/attention/softmax/add/norm nodes; ` +
          `initialStateHash grows by about 10k gas per operand (one 20-level slot proof, one composed subtree).`,
      ],
    };
  } finally {
    await chain.stop();
  }
}
