import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToHex } from "viem";
import { maxRounds } from "../index.ts";
import { Party, playGame, type PartySpec, type World } from "./support/simulate.ts";
import { Rng } from "../../common/rng.ts";

const KS = [2n, 3n, 4n, 8n, 16n];
const NS = [1, 5, 7, 13, 31];
const S0 = keccak256(stringToHex("S_0"));

/** D and run lengths: runs shorter than 2^D (fixed-point padding) and runs that fill it exactly. */
function worldFor(k: bigint, n: number, i: number): World {
  return i % 2 === 0 ? { k, n, stepDepth: 5n, maxSteps: 23, s0: S0 } : { k, n, stepDepth: 3n, maxSteps: 8, s0: S0 };
}

/** Consistent lies at the first, a middle and the last node, each at the first, a middle and the last step. */
function consistentLies(w: World): PartySpec[] {
  const nodes = [...new Set([0, w.n >> 1, w.n - 1])];
  const steps = [0, 1, w.maxSteps >> 1, 1000];
  return nodes.flatMap((node) => steps.map((step) => ({ name: `lie@${node}.${step}`, lie: { node, step } })));
}

function randomSubset(r: Rng, max: bigint, count: number): bigint[] {
  return Array.from({ length: count }, () => 1n + r.big(max));
}

function defenderLiars(w: World, r: Rng): PartySpec[] {
  const n = BigInt(w.n);
  const mid = w.n >> 1;
  return [
    ...consistentLies(w),
    { name: "garbage at S_N only", garbage1: [n] },
    { name: "garbage at S_1 and S_N", garbage1: [1n, n] },
    { name: "garbage at random nodes", garbage1: [...randomSubset(r, n, 3), n] },
    { name: "lie + garbage steps", lie: { node: mid, step: 2 }, garbage2: randomSubset(r, 1n << w.stepDepth, 4) },
    { name: "lie + garbage before it", lie: { node: w.n - 1, step: 1 }, garbage1: randomSubset(r, n, 2) },
  ];
}

function challengerLiars(w: World, r: Rng): PartySpec[] {
  return [
    ...consistentLies(w),
    { name: "random choices", randomChoice: true },
    { name: "random choices 2", randomChoice: true },
    { name: "garbage nodes", garbage1: [...randomSubset(r, BigInt(w.n), 2), BigInt(w.n)] },
    { name: "garbage steps", lie: { node: 0, step: 3 }, garbage2: randomSubset(r, 1n << w.stepDepth, 4) },
  ];
}

test("the honest challenger wins every game against lying defenders (first/middle/last node and step, garbage, mixed) for k in {2,3,4,8,16}, N in {1,5,7,13,31}, within maxRounds", async () => {
  const r = new Rng(21);
  let games = 0;
  const ends = new Map<string, number>();
  for (const k of KS) {
    for (const [i, n] of NS.entries()) {
      const w = worldFor(k, n, i);
      for (const [j, spec] of defenderLiars(w, r).entries()) {
        const d = new Party(w, spec, 1000 + j);
        const c = new Party(w, { name: "honest" }, 1);
        assert.notEqual(await d.claim(), await c.claim(), `${spec.name}: the claim must be wrong`);
        const res = await playGame(w, d, c);
        assert.equal(res.defenderWon, false, `k=${k} N=${n} ${spec.name}: the liar won (${res.end})`);
        assert.ok(BigInt(res.rounds) <= maxRounds(BigInt(n), k, w.stepDepth), `k=${k} N=${n}: ${res.rounds} rounds`);
        ends.set(res.end, (ends.get(res.end) ?? 0) + 1);
        games++;
      }
    }
  }
  // The games reached both levels' ends: liars caught at the final step and at the phase boundary.
  assert.ok((ends.get("step") ?? 0) > 50 && (ends.get("openPhase2") ?? 0) > 20, JSON.stringify([...ends]));
  assert.ok(games >= 350, `${games} games`);
});

test("the honest defender wins every game against lying challengers (consistent lies, random choices, garbage) for k in {2,3,4,8,16}, N in {1,5,7,13,31}", async () => {
  const r = new Rng(22);
  let steps = 0;
  for (const k of KS) {
    for (const [i, n] of NS.entries()) {
      const w = worldFor(k, n, i);
      for (const [j, spec] of challengerLiars(w, r).entries()) {
        const d = new Party(w, { name: "honest" }, 2);
        const c = new Party(w, spec, 2000 + j);
        const res = await playGame(w, d, c);
        assert.equal(res.defenderWon, true, `k=${k} N=${n} ${spec.name}: the liar won (${res.end})`);
        assert.ok(BigInt(res.rounds) <= maxRounds(BigInt(n), k, w.stepDepth));
        if (res.end === "step") steps++;
      }
    }
  }
  assert.ok(steps > 200, `only ${steps} games reached the on-chain step`);
});

test("the simulation tells strategies apart: a challenger naming the last differing sub-segment, or choosing at random, loses games the first-difference strategy wins", async () => {
  let lastLost = 0;
  let randomLost = 0;
  for (const k of [2n, 3n, 4n]) {
    const w: World = { k, n: 13, stepDepth: 5n, maxSteps: 23, s0: S0 };
    for (const node of [0, 6, 12]) {
      const d = new Party(w, { name: "liar", lie: { node, step: 1 } }, 3);
      const honest = await playGame(w, d, new Party(w, { name: "honest" }, 4));
      assert.equal(honest.defenderWon, false);
      if ((await playGame(w, d, new Party(w, { name: "last", lastDifference: true }, 5))).defenderWon) lastLost++;
      if ((await playGame(w, d, new Party(w, { name: "random", randomChoice: true }, 6 + node))).defenderWon)
        randomLost++;
    }
  }
  assert.ok(lastLost > 0, "the last-difference challenger never lost");
  assert.ok(randomLost > 0, "the random challenger never lost");
});
