import { test } from "node:test";
import assert from "node:assert/strict";
import { runDefenderLoad } from "../devnet/defenderLoad.ts";

// Defender load on anvil with the real daemons (devnet/defenderLoad.ts): K = 4 steering
// challengers challenge one honest claim together and drive their games to the 4 different nodes
// of a 4-node model of 640-wide matmuls (about 3.8M VM steps, about a second traced, per node),
// with short clocks (20 s per side, phase-2 extension 1 s per open game). The 4 games narrow
// together, so the submitter daemon has 4 node runs queued at once and runs them by deadline while
// it keeps bisecting the games already opened; one extension alone (1 s) is well below the 4 runs'
// work (a traced VM faster than 15M steps/s would be needed to fit them in it).

test("K = 4 challengers steered to 4 different nodes: the defender misses no deadline, wins every game, and its claim finalizes", async () => {
  const r = await runDefenderLoad({
    challengers: 4,
    width: 640,
    clockBudget: 20n,
    phase2Extension: 1n,
    stepExtension: 10n,
    timeoutMs: 45_000,
    logs: process.env.OPML_TEST_LOGS ? process.stderr : undefined,
  });
  assert.equal(r.deadlineMisses, 0);
  assert.equal(r.defenderWon, 4);
  assert.ok(r.finalized, "the honest claim finalized with the true output");
  assert.deepEqual([...r.nodes].sort(), [0, 1, 2, 3], "each game narrowed to its own node");
  assert.equal(r.vmRuns, 4, "each node ran once");
  assert.ok(r.maxQueued >= 2, `runs were queued together (at most ${r.maxQueued})`);
  assert.ok(
    r.extensionsS.every((e) => e >= 1 * 2),
    `each extension grew with the open games: ${r.extensionsS.join(", ")} s`,
  );
  assert.ok((4 * r.maxNodeSteps) / r.stepsPerSecond > 1, "one fixed extension would not cover the 4 runs");
});
