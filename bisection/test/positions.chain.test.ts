import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { concat, type Hex } from "viem";
import {
  commitmentsHash,
  intermediatePositions,
  level1Range,
  level2Range,
  maxRounds,
  Phase,
  Referee,
  segmentsFor,
  subSegment,
  type RefereeState,
} from "../index.ts";
import { Rng } from "../../common/rng.ts";
import {
  ANYONE,
  CHALLENGER,
  DEFENDER,
  deployGame,
  deployHarness,
  startChain,
  type Chain,
  type GameHandle,
  type ModelTuple,
} from "./support/chain.ts";

// Differential test of the position arithmetic (and of the TS referee) against the deployed,
// forge-built DisputeGame on anvil. The games are driven with random commitments and random
// choices through both levels: OpenHarness accepts any phase-2 opening and reads a step's result
// from its witness, so every segment the arithmetic can produce is reachable.

const INITIAL: Hex = `0x${"00".repeat(30)}0abc`;
const CONFIGS: { k: bigint; stepDepth: bigint }[] = [
  { k: 2n, stepDepth: 12n },
  { k: 3n, stepDepth: 21n },
  { k: 4n, stepDepth: 17n },
  { k: 5n, stepDepth: 1n },
  { k: 8n, stepDepth: 30n },
  { k: 16n, stepDepth: 5n },
  { k: 64n, stepDepth: 62n },
];

let chain: Chain;
let harness: `0x${string}`;
before(async () => {
  chain = await startChain();
  harness = (await deployHarness(chain.clients[0]!, "OpenHarness.sol", "OpenHarness")).address;
});
after(async () => {
  await chain?.stop();
});

function model(n: bigint): ModelTuple {
  return {
    programRoot: `0x${"11".repeat(32)}`,
    graphRoot: `0x${"22".repeat(32)}`,
    weightsRoot: `0x${"33".repeat(32)}`,
    nodeCount: Number(n),
  };
}

function assertSame(onChain: RefereeState, ts: RefereeState, where: string): void {
  const pick = (s: RefereeState) => ({
    status: Number(s.status),
    phase: Number(s.phase),
    level: Number(s.level),
    node: Number(s.node),
    lo: s.lo,
    hi: s.hi,
    startHash: s.startHash.toLowerCase(),
    endHash: s.endHash.toLowerCase(),
    // Only read in Phase.Choose (whether the contract clears it afterwards is a gas choice).
    commitmentsHash: s.phase === Phase.Choose ? s.commitmentsHash.toLowerCase() : null,
  });
  assert.deepEqual(pick(onChain), pick(ts), where);
}

/** A choice policy: mostly uniform, with the first and the last index favoured (the edge cases). */
function pickIndex(r: Rng, m: bigint): bigint {
  const x = r.below(4);
  return x === 0 ? 0n : x === 1 ? m - 1n : BigInt(r.below(Number(m)));
}

/** Plays one game with random moves; after every move compares the contract with the TS mirror. Returns segments checked. */
async function playRandom(game: GameHandle, k: bigint, stepDepth: bigint, n: bigint, r: Rng): Promise<number> {
  const s0 = r.word();
  const sN = r.word();
  const id = await game.create(model(n), s0, sN);
  const ref = new Referee<null, null, Hex, null>({
    k,
    stepDepth,
    nodeCount: n,
    startState: s0,
    claimedState: sN,
    boundary: { initialStateHash: () => INITIAL, checkExit: () => undefined },
    stepVerifier: { stateHash: (w) => `0x${w.slice(2, 66)}`, step: (w) => `0x${w.slice(66, 130)}` },
  });
  assertSame(await game.getGame(id), ref.state, "created");
  assert.deepEqual({ lo: ref.state.lo, hi: ref.state.hi }, level1Range(n));
  let segments = 0;
  for (let guard = 0; guard < 400; guard++) {
    const v = ref.state;
    if (v.phase === Phase.Bisect) {
      const positions = intermediatePositions(v, k);
      const inter = positions.map(() => r.word());
      await game.send(DEFENDER, "bisect", [id, inter]);
      ref.bisect(inter);
      assert.equal(ref.state.commitmentsHash, commitmentsHash(inter));
      assertSame(await game.getGame(id), ref.state, `bisect [${v.lo}, ${v.hi}]`);
      const m = segmentsFor(v.hi - v.lo, k);
      const index = pickIndex(r, m);
      await game.send(CHALLENGER, "choose", [id, inter, index]);
      ref.choose(inter, index);
      const expected = subSegment(v, k, index);
      const g = await game.getGame(id);
      assert.deepEqual({ lo: g.lo, hi: g.hi }, expected, `choose ${index} of [${v.lo}, ${v.hi}] with k=${k}`);
      assert.equal(g.startHash, index === 0n ? v.startHash : inter[Number(index) - 1]);
      assert.equal(g.endHash, index === m - 1n ? v.endHash : inter[Number(index)]);
      assertSame(g, ref.state, `choose ${index} of [${v.lo}, ${v.hi}]`);
      segments++;
    } else if (v.phase === Phase.OpenPhase2) {
      const final = `0x01${r.word().slice(4)}` as Hex; // halted
      await game.send(DEFENDER, "openPhase2", [id, model(n), final, "0x", "0x"]);
      ref.openPhase2(final, null, null);
      const g = await game.getGame(id);
      assert.deepEqual({ lo: g.lo, hi: g.hi }, level2Range(stepDepth));
      assertSame(g, ref.state, "openPhase2");
    } else if (v.phase === Phase.Step) {
      const post = r.below(2) === 0 ? v.endHash : r.word();
      const witness = concat([v.startHash, post]);
      await game.send(ANYONE, "step", [id, witness, "0x"]);
      ref.step(witness, null);
      assertSame(await game.getGame(id), ref.state, "step");
      return segments;
    } else {
      assert.fail(`unexpected phase ${v.phase}`);
    }
  }
  assert.fail("game did not end");
}

test("maxRounds and segmentsFor of the deployed DisputeGame equal the TS mirror for random N and segment lengths, k in {2..64}", async () => {
  const r = new Rng(11);
  for (const { k, stepDepth } of CONFIGS) {
    const game = await deployGame(chain, { k, stepDepth, verifier: harness, boundary: harness });
    assert.equal(await game.read<bigint>("k"), k);
    const ns = [1n, 2n, k - 1n, k, k + 1n, (1n << 32n) - 1n];
    for (let i = 0; i < 12; i++) ns.push(1n + r.big(i % 2 === 0 ? 1000n : (1n << 32n) - 1n));
    for (const n of ns)
      assert.equal(
        await game.read<bigint>("maxRounds", [n]),
        maxRounds(n, k, stepDepth),
        `maxRounds(${n}) k=${k} D=${stepDepth}`,
      );
    const lens = [2n, k - 1n, k, k + 1n, 2n * k - 1n, 1n << 62n];
    for (let i = 0; i < 12; i++) lens.push(2n + r.big(1n << BigInt(2 + 5 * i)));
    for (const len of lens.filter((l) => l >= 2n)) {
      assert.equal(await game.read<bigint>("segmentsFor", [len]), segmentsFor(len, k), `segmentsFor(${len}) k=${k}`);
    }
  }
});

test("every sub-segment the deployed DisputeGame chooses, at both levels, equals the TS position arithmetic (random games through to the step, k in {2..64}, odd and even N, N=1, N < k, N = 2^32-1)", async (t) => {
  const r = new Rng(12);
  let segments = 0;
  for (const { k, stepDepth } of CONFIGS) {
    const game = await deployGame(chain, { k, stepDepth, verifier: harness, boundary: harness });
    const ns = [(1n << 32n) - 1n - r.big(1n << 31n), 1n, 1n + r.big(k), 2n * k + 1n];
    for (const n of ns) segments += await playRandom(game, k, stepDepth, n, r);
  }
  t.diagnostic(`${segments} segments checked`);
  assert.ok(segments > 250, `only ${segments} segments checked`);
});
