import { test } from "node:test";
import assert from "node:assert/strict";
import { pad, toHex, type Hex } from "viem";
import {
  BisectionRangeError,
  challengerMove,
  defenderMove,
  finalStep,
  GraphStateTrace,
  MoveNotDueError,
  moverOf,
  Phase,
  phase2Target,
  TraceMismatchError,
  type BisectionView,
} from "../index.ts";

const w = (i: number): Hex => pad(toHex(i + 1), { size: 32 });
const truth = Array.from({ length: 10 }, (_, i) => w(i)); // S_0..S_9
const lie = (i: number): Hex => pad(toHex(1000 + i), { size: 32 });

function view(lo: bigint, hi: bigint, k = 3n, level = 1): BisectionView {
  return { k, level, node: 4, lo, hi, startHash: truth[Number(lo)]!, endHash: truth[Number(hi)]! };
}

test("defenderMove posts the truth at lo + len·i/m: [0, 9] with k=3 posts S_3 and S_6; [2, 4] with k=8 posts S_3", async () => {
  const p = new GraphStateTrace(truth);
  assert.deepEqual(await defenderMove(view(0n, 9n), p), [truth[3], truth[6]]);
  assert.deepEqual(await defenderMove(view(2n, 4n, 8n), p), [truth[3]]);
});

test("defenderMove throws TraceMismatchError when the game's start or end is not its truth, MoveNotDueError on a unit segment", async () => {
  const p = new GraphStateTrace(truth);
  await assert.rejects(defenderMove({ ...view(0n, 9n), endHash: lie(9) }, p), TraceMismatchError);
  await assert.rejects(defenderMove({ ...view(0n, 9n), startHash: lie(0) }, p), TraceMismatchError);
  await assert.rejects(defenderMove(view(3n, 4n), p), MoveNotDueError);
  await assert.rejects(defenderMove(view(0n, 9n), new GraphStateTrace(truth.slice(0, 5))), BisectionRangeError);
});

test("challengerMove names the first sub-segment whose end differs: a lie at S_6 on [0, 9] with k=3 is sub-segment 1 = [3, 6]", async () => {
  const p = new GraphStateTrace(truth);
  const c = await challengerMove({ ...view(0n, 9n), endHash: lie(9) }, [truth[3]!, lie(6)], p);
  assert.deepEqual(c, { kind: "dispute", index: 1n, agreedPosition: 3n, disputedPosition: 6n, onlyEnd: false });
  const first = await challengerMove({ ...view(0n, 9n), endHash: lie(9) }, [lie(3), lie(6)], p);
  assert.equal(first.kind === "dispute" && first.index, 0n);
});

test("challengerMove: every intermediate agreed means the last sub-segment (onlyEnd); everything agreed means 'agree'", async () => {
  const p = new GraphStateTrace(truth);
  const end = await challengerMove({ ...view(0n, 9n), endHash: lie(9) }, [truth[3]!, truth[6]!], p);
  assert.deepEqual(end, { kind: "dispute", index: 2n, agreedPosition: 6n, disputedPosition: 9n, onlyEnd: true });
  assert.deepEqual(await challengerMove(view(0n, 9n), [truth[3]!, truth[6]!], p), { kind: "agree" });
});

test("challengerMove throws TraceMismatchError on a start it does not hold and BisectionRangeError on a wrong commitment count", async () => {
  const p = new GraphStateTrace(truth);
  await assert.rejects(
    challengerMove({ ...view(0n, 9n), startHash: lie(0) }, [truth[3]!, truth[6]!], p),
    TraceMismatchError,
  );
  await assert.rejects(challengerMove(view(0n, 9n), [truth[3]!], p), BisectionRangeError);
});

test("phase2Target is due on a unit level-1 segment (node lo, S_lo, S_lo+1); finalStep on a unit level-2 segment (pre-state at lo)", () => {
  assert.deepEqual(phase2Target(view(4n, 5n)), { node: 4n, agreedState: truth[4], disputedState: truth[5] });
  assert.throws(() => phase2Target(view(4n, 6n)), MoveNotDueError);
  assert.throws(() => phase2Target(view(4n, 5n, 3n, 2)), MoveNotDueError);
  assert.deepEqual(finalStep(view(7n, 8n, 3n, 2)), { node: 4, preStep: 7n, preState: truth[7], claimedPost: truth[8] });
  assert.throws(() => finalStep(view(7n, 8n)), MoveNotDueError);
});

test("moverOf: bisect and openPhase2 are the defender's, choose the challenger's, step anyone's", () => {
  assert.equal(moverOf(Phase.Bisect), "defender");
  assert.equal(moverOf(Phase.OpenPhase2), "defender");
  assert.equal(moverOf(Phase.Choose), "challenger");
  assert.equal(moverOf(Phase.Step), "anyone");
  assert.equal(moverOf(Phase.Resolved), null);
});
