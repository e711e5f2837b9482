/**
 * Defender load on anvil (devnet/defenderLoad.ts, protocol.md §7.5): K = 8 steering challengers
 * drive their games against one honest claim to the 8 different nodes of an 8-node model of
 * 1024-wide matmuls (each node one run of about 9.6M VM steps), against the real submitter daemon.
 * The clocks are sized by the spec's rule from this machine's measured VM speed: the phase-2
 * extension covers one node's run with a safety factor of 2 (plus 2 s for the opening and its
 * transaction), and the game grants it once per open game of the defender.
 */
import { runDefenderLoad } from "../devnet/defenderLoad.ts";
import { compileModel } from "../phase/compileModel.ts";
import { matmulChain } from "../dnn-lib/models/tiny.ts";
import { vmStepsPerSecond } from "../daemon/vmSpeed.ts";
import { fmt, type BenchReport } from "./harness.ts";

const K = 8;
const WIDTH = 1024;
const SAFETY = 2;
const CLOCK_S = 60n;

export async function bench(): Promise<BenchReport> {
  const maxSteps = Math.max(...(await compileModel(matmulChain(K, WIDTH))).nodeSteps);
  const sps = await vmStepsPerSecond();
  const phase2Extension = BigInt(Math.ceil((SAFETY * maxSteps) / sps + 2));
  const r = await runDefenderLoad({
    challengers: K,
    width: WIDTH,
    clockBudget: CLOCK_S,
    phase2Extension,
    stepExtension: 30n,
    timeoutMs: 480_000,
  });
  if (!r.finalized) throw new Error("the honest claim did not finalize");
  const oneRunS = maxSteps / sps;
  return {
    title: `Defender load: ${K} challengers steered to ${K} different nodes (anvil, real daemons)`,
    metrics: {
      "e2e.dispute.parallel8.deadline_misses": r.deadlineMisses,
      "e2e.dispute.parallel8.defender_won": r.defenderWon,
      "e2e.dispute.parallel8.min_slack_s": r.minSlackS,
      "e2e.dispute.parallel8.wall_s": r.wallS,
    },
    rows: [
      ["model", `${K} nodes, matmul ${WIDTH}→${WIDTH}`, `largest node ${maxSteps} steps (estimate)`],
      [
        "VM speed (calibration)",
        `${fmt(sps)} steps/s`,
        `one node ≈ ${fmt(oneRunS)} s, ${K} nodes ≈ ${fmt(K * oneRunS)} s`,
      ],
      ["clocks", `C ${CLOCK_S} s, E2 ${phase2Extension} s`, `E2 = ${SAFETY} × one node + 2 s; granted × open games`],
      ["extensions granted", r.extensionsS.join(", ") + " s", "per game, at its narrowing"],
      ["nodes the games narrowed to", r.nodes.join(", "), `${r.vmRuns} VM runs, at most ${r.maxQueued} queued at once`],
    ],
    notes: [
      "deadline_misses = games the defender lost (a missed deadline loses its game to the challenger's timeout) + its game moves that failed; it must be 0. min_slack_s = the least clock the defender had left right after opening phase 2 in any game. wall_s = from the request to the last game's end. One run; every daemon in this one process, anvil mining a block a second besides one per transaction.",
    ],
  };
}
