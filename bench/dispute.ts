/**
 * gas.dispute.*: a full worst-case dispute over 1,254 nodes and 2^32 steps per node at
 * k ∈ {2, 4, 8, 16, 32}, measured by contracts/test/game/DisputeGameGas.t.sol (the real
 * DisputeGame; per transaction: execution + 21,000 + calldata). Its phase-2 opening and final step
 * use the toy boundary and verifier of the game tests; `gas.dispute.total_real_step` swaps the toy
 * step for the real StepVerifier's worst step measured by bench/contracts.ts in the same run.
 *
 * `gas.dispute.defender_full_game` is what the honest defender pays over one worst-case game at
 * the deployed k: DisputeGame makes the defender send every `bisect` (both levels) and
 * `openPhase2`; `step` is permissionless and the defender's daemon (sdk/operator/stepGame.ts) sends
 * it as soon as it is due, so the worst case counts it too. The toy opening and step transactions
 * get the real phase boundary (`gas.phase.*`) and verifier (`gas.step.*`) added on top, so the
 * toy contracts' own few thousand gas stay in: an upper bound, which is the right side to err on
 * for a bond floor (chain/bondSizing.ts). It reads those figures from bench/results.json, so
 * `contracts` must have been recorded by an earlier run (`bench/run.ts contracts`, then
 * `bench/run.ts dispute`); without them the metric is left out.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { fmt, type BenchReport } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The deployment's k (docs/protocol.md §7): the fewest rounds within the gas goal. */
const CHOSEN_K = 16;

interface Row {
  k: number;
  rounds: number;
  txs: number;
  bisectSum: number;
  open: number;
  step: number;
  total: number;
}

export async function bench(): Promise<BenchReport> {
  const forge = join(root, "node_modules", ".bin", "forge");
  const r = spawnSync(forge, ["test", "--match-path", "contracts/test/game/DisputeGameGas.t.sol", "-vv"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`forge test DisputeGameGas failed:\n${r.stdout}\n${r.stderr}`);
  const rows: Row[] = [];
  for (const block of r.stdout.split(/\n(?=\s*k: \d+)/).slice(1)) {
    const num = (label: string) => {
      const m = new RegExp(`${label}: (\\d+)`).exec(block);
      if (!m) throw new Error(`DisputeGameGas output lacks "${label}"`);
      return Number(m[1]);
    };
    rows.push({
      k: num("k"),
      rounds: num("rounds \\(bisect\\+choose pairs\\)"),
      txs: num("transactions"),
      bisectSum: num("gas bisect \\(sum, defender\\)"),
      open: num("gas openPhase2 \\(toy boundary\\)"),
      step: num("gas step \\(toy verifier\\)"),
      total: num("gas total"),
    });
  }
  rows.sort((a, b) => a.k - b.k);
  const chosen = rows.find((x) => x.k === CHOSEN_K);
  if (!chosen || rows.length !== 5) throw new Error(`expected 5 dispute rows incl. k=${CHOSEN_K}, got ${rows.length}`);

  const resultsPath = join(root, "bench", "results.json");
  const prior = existsSync(resultsPath)
    ? (JSON.parse(readFileSync(resultsPath, "utf8")) as Record<string, number>)
    : {};
  const realStep =
    prior["gas.step.max"] !== undefined && prior["gas.step.calldataMax"] !== undefined
      ? 21_000 + prior["gas.step.max"] + prior["gas.step.calldataMax"]
      : NaN;
  const metrics: Record<string, number> = {
    "gas.dispute.k": CHOSEN_K,
    "gas.dispute.rounds": chosen.rounds,
    "gas.dispute.total": chosen.total,
  };
  if (Number.isFinite(realStep)) metrics["gas.dispute.total_real_step"] = chosen.total - chosen.step + realStep;
  const defenderParts = [
    "gas.phase.initial.max",
    "gas.phase.exit.max",
    "gas.phase.calldataMax",
    "gas.step.max",
    "gas.step.calldataMax",
  ].map((m) => prior[m]);
  if (defenderParts.every((v) => v !== undefined))
    metrics["gas.dispute.defender_full_game"] =
      chosen.bisectSum + chosen.open + chosen.step + defenderParts.reduce((a, b) => a + b, 0);
  for (const x of rows) {
    metrics[`gas.dispute.k${x.k}.rounds`] = x.rounds;
    metrics[`gas.dispute.k${x.k}.total`] = x.total;
  }
  return {
    title: "Full dispute: 1,254 nodes × 2^32 steps, worst case (DisputeGame)",
    metrics,
    rows: rows.map((x): [string, string, string] => [
      `k = ${x.k}`,
      `${x.rounds} rounds, ${x.txs} transactions`,
      `${fmt(x.total)} gas (toy opening ${fmt(x.open)}, toy step ${fmt(x.step)})`,
    ]),
    notes: [
      `Goals: ≤ 12 rounds and ≤ 5 M gas. k = ${CHOSEN_K} is the deployment's choice. The phase-2 opening and the ` +
        "final step here use the game tests' toy boundary and verifier; the real ones cost `gas.phase.*` and " +
        "`gas.step.*` (section above), and `gas.dispute.total_real_step` puts the real worst step (execution + " +
        "calldata + 21,000) in place of the toy one.",
      `\`gas.dispute.defender_full_game\` (k = ${CHOSEN_K}): the honest defender's own transactions over the ` +
        `worst-case game: ${chosen.rounds} bisects (${fmt(chosen.bisectSum)} gas), openPhase2 (toy ` +
        `${fmt(chosen.open)} + the real boundary's worst initialStateHash, checkExit and proof calldata) and the ` +
        `final step (toy ${fmt(chosen.step)} + the real verifier's worst step and proof calldata), which the ` +
        "defender's daemon sends when due. An upper bound (the toy contracts' own gas stays in). Not included: " +
        "the oracle's settlement callback that the final step triggers, and the defender's later withdraw. " +
        "`opml model register` checks challenger bonds against it (chain/bondSizing.ts).",
    ],
  };
}
