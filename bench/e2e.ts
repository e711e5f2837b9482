/**
 * End to end on anvil with the demo model (dnn-lib's tiny-mlp), the same story as `npm run demo`
 * (devnet/story.ts): the undisputed path (dapp request, honest claim, finalize with the
 * callback) and a dispute against a submitter lying inside node 1's VM run, played by the real
 * daemons to the on-chain step. Gas is summed from the receipts of each phase's transactions;
 * wall time is measured around the daemons' ticks (native runs, VM traces, RPC and mining).
 */
import { startDevnet } from "../devnet/startDevnet.ts";
import { DISPUTE_PHASES, runStory, UNDISPUTED_PHASES } from "../devnet/story.ts";
import { fmt, type BenchReport } from "./harness.ts";

export async function bench(): Promise<BenchReport> {
  const devnet = await startDevnet({ port: 0 });
  try {
    const { anvil, deployment } = devnet;
    const at = (name: string) => {
      const d = deployment.deployed.find((x) => x.name === name);
      if (!d) throw new Error(`${name} was not deployed`);
      return d.address;
    };
    if (!deployment.model) throw new Error("the demo model was not registered");
    const r = await runStory(
      { anvil, oracle: at("OpmlOracle"), game: at("DisputeGame"), dapp: at("ClassifierGate"), model: deployment.model },
      { lieAtNode: 1, verbose: false },
    );
    if (!r.liarSlashed || !r.delivered) throw new Error("the story did not end as it should");
    const undisputed = r.table.total(UNDISPUTED_PHASES);
    const dispute = r.table.total(DISPUTE_PHASES);
    const rows: [string, string, string][] = r.table.rows.map((p) => [
      `phase: ${p.phase}`,
      `${p.gas} gas, ${fmt(p.wallS)} s`,
      `${p.txs} tx${p.txs === 1 ? "" : "s"}`,
    ]);
    return {
      title: "End to end on anvil (demo model tiny-mlp, liar at node 1)",
      metrics: {
        "e2e.undisputed.wall_s": undisputed.wallS,
        "e2e.undisputed.gas": Number(undisputed.gas),
        "e2e.dispute.wall_s": dispute.wallS,
        "e2e.dispute.gas": Number(dispute.gas),
        "e2e.dispute.rounds": r.rounds,
      },
      rows,
      notes: [
        `Undisputed = ${UNDISPUTED_PHASES.join(" + ")} (${undisputed.txs} txs). Dispute = ${DISPUTE_PHASES.join(" + ")} (${dispute.txs} txs), the liar's VM run of node 1 wrong at one step, so the game goes through level 1, the phase-2 opening and level 2 to the on-chain step.`,
        `Rounds = bisection rounds (Bisected events) over both levels: ${r.moves.level1} level-1 and ${r.moves.level2} level-2 moves (bisect + choose).`,
        "Wall time is measured around the daemons' ticks on a local anvil with automine; the challenge window is skipped with anvil's clock (not counted). Gas is the sum of the receipts' gasUsed. One run.",
      ],
    };
  } finally {
    await devnet.anvil.stop();
  }
}
