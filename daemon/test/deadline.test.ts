import { test } from "node:test";
import assert from "node:assert/strict";
import { zeroHash } from "viem";
import { GameStatus, Phase, type GameView } from "../../bisection/index.ts";
import { assessDeadline, candidateNodes, clockLeftS, nodeToTrace, orderGames } from "../deadline.ts";
import { resumeBlock } from "../eventCursor.ts";

// The deadline decisions as pure functions: compute estimate against the clock left, whose clock
// runs, which node a side must trace, and in what order games are handled.

const view = (o: Partial<GameView>): GameView => ({
  creator: zeroHash.slice(0, 42) as `0x${string}`,
  defender: zeroHash.slice(0, 42) as `0x${string}`,
  challenger: zeroHash.slice(0, 42) as `0x${string}`,
  status: GameStatus.InProgress,
  phase: Phase.Bisect,
  level: 1,
  node: 0,
  lo: 0n,
  hi: 8n,
  defenderClock: 600n,
  challengerClock: 500n,
  lastMoveAt: 1000n,
  startHash: zeroHash,
  endHash: zeroHash,
  commitmentsHash: zeroHash,
  modelHash: zeroHash,
  ...o,
});

test("assessDeadline: compute = steps / speed; tight when compute × factor + margin exceeds the clock, late when compute alone does", () => {
  const a = assessDeadline({ estimatedSteps: 10_000_000, stepsPerSecond: 1_000_000, clockLeftS: 100 });
  assert.deepEqual(a, { computeS: 10, clockLeftS: 100, needS: 50, tight: false, late: false });
  const b = assessDeadline({ estimatedSteps: 10_000_000, stepsPerSecond: 1_000_000, clockLeftS: 49 });
  assert.equal(b.tight, true);
  assert.equal(b.late, false);
  const c = assessDeadline({ estimatedSteps: 10_000_000, stepsPerSecond: 1_000_000, clockLeftS: 9 });
  assert.equal(c.late, true);
  assert.equal(
    assessDeadline({ estimatedSteps: 1, stepsPerSecond: 1e9, clockLeftS: 20 }, { safetyFactor: 1, marginS: 30 }).tight,
    true,
    "the margin for getting the move mined counts even for tiny work",
  );
  assert.throws(() => assessDeadline({ estimatedSteps: 1, stepsPerSecond: 0, clockLeftS: 1 }), RangeError);
});

test("clockLeftS: only the side on move has a running clock; the final step is charged to the challenger", () => {
  const g = view({ phase: Phase.Bisect, lastMoveAt: 1000n, defenderClock: 600n, challengerClock: 500n });
  assert.equal(clockLeftS(g, "defender", 1100n), 500);
  assert.equal(clockLeftS(g, "challenger", 1100n), 500, "not running: the stored remainder");
  assert.equal(clockLeftS(view({ phase: Phase.Choose }), "challenger", 1400n), 100);
  assert.equal(clockLeftS(view({ phase: Phase.Choose }), "challenger", 2000n), 0, "never negative");
  assert.equal(clockLeftS(view({ phase: Phase.Step }), "challenger", 1450n), 50);
  assert.equal(clockLeftS(view({ phase: Phase.Step }), "defender", 1450n), 600);
});

test("nodeToTrace: the node lo at the phase-2 opening, the disputed node at level 2 and the step, none before", () => {
  assert.equal(nodeToTrace(view({ phase: Phase.Bisect, level: 1 })), undefined);
  assert.equal(nodeToTrace(view({ phase: Phase.Choose, level: 1 })), undefined);
  assert.equal(nodeToTrace(view({ phase: Phase.OpenPhase2, lo: 5n, hi: 6n })), 5);
  assert.equal(nodeToTrace(view({ phase: Phase.Choose, level: 2, node: 7 })), 7);
  assert.equal(nodeToTrace(view({ phase: Phase.Step, level: 2, node: 3 })), 3);
  assert.equal(nodeToTrace(view({ status: GameStatus.ChallengerWon, level: 2, node: 3 })), undefined);
});

test("orderGames: our cheap moves first (least clock first), then our compute-bound moves by slack, then the opponent's turns", () => {
  const games = [
    { id: "theirs", ourMove: false, clockLeftS: 10, computeS: 5 },
    { id: "vm-slack-90", ourMove: true, clockLeftS: 100, computeS: 10 },
    { id: "cheap-300", ourMove: true, clockLeftS: 300, computeS: 0 },
    { id: "vm-slack-20", ourMove: true, clockLeftS: 50, computeS: 30 },
    { id: "cheap-200", ourMove: true, clockLeftS: 200, computeS: 0 },
  ];
  assert.deepEqual(
    orderGames(games).map((g) => g.id),
    ["cheap-200", "cheap-300", "vm-slack-20", "vm-slack-90", "theirs"],
  );
});

test("resumeBlock: the block after the cursor less the reorg margin, never before the first block", () => {
  assert.equal(resumeBlock(undefined, 5n, 12n), 5n);
  assert.equal(resumeBlock(100n, 0n, 12n), 89n);
  assert.equal(resumeBlock(10n, 0n, 12n), 0n);
  assert.equal(resumeBlock(10n, 7n, 12n), 7n);
  assert.equal(resumeBlock(100n, 0n, 0n), 101n);
});

test("candidateNodes: while the challenger chooses within at most k nodes at level 1, each of them; otherwise none", () => {
  assert.deepEqual(candidateNodes(view({ phase: Phase.Choose, lo: 4n, hi: 7n }), 4n), [4, 5, 6]);
  assert.deepEqual(candidateNodes(view({ phase: Phase.Choose, lo: 0n, hi: 4n }), 4n), [0, 1, 2, 3]);
  assert.deepEqual(candidateNodes(view({ phase: Phase.Choose, lo: 0n, hi: 5n }), 4n), [], "wider than k: not yet");
  assert.deepEqual(candidateNodes(view({ phase: Phase.Bisect, lo: 0n, hi: 3n }), 4n), [], "the defender is on move");
  assert.deepEqual(candidateNodes(view({ phase: Phase.Choose, level: 2, lo: 0n, hi: 3n }), 4n), []);
});
