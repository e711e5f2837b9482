import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createTestClient, http, keccak256, stringToHex, type Address, type Hex } from "viem";
import {
  challengerMove,
  defenderMove,
  finalStep,
  GameStatus,
  intermediatePositions,
  Phase,
  phase2Target,
  segmentsFor,
  subSegment,
  type BisectionView,
  type TraceProvider,
} from "../index.ts";
import { deployContracts } from "../../chain/deploy.ts";
import {
  ANYONE,
  CHALLENGER,
  DEFENDER,
  deployGame,
  startChain,
  type Chain,
  type GameHandle,
  type ModelTuple,
} from "./support/chain.ts";
import { graphOf, HONEST, level1, level2, stepWitness, ToyChainWorld, type ToyParty } from "./support/toyChain.ts";

// Whole games on the real, forge-built DisputeGame on anvil, played by the bisection strategies:
// the step verifier and phase boundary are the toy-VM test doubles the contract's own tests use
// (contracts/test/game/ToyVm.sol), and each party's truth is read from ToyWorld, the same double's
// off-chain simulation.

const TOY = "contracts/test/game/ToyVm.sol";
const CLOCK = 86_400n;
const PHASE2_EXTENSION = 3_600n;
const honest: ToyParty = { lieNode: HONEST, lieStep: HONEST };

let chain: Chain;
let world: ToyChainWorld;
let verifier: Address;
let boundary: Address;

before(async () => {
  chain = await startChain();
  const [v, b, w] = await deployContracts(chain.clients[0]!, [
    { name: "ToyStepVerifier", source: TOY, description: "" },
    { name: "ToyPhaseBoundary", source: TOY, description: "" },
    { name: "ToyWorld", source: TOY, description: "", args: [10n] },
  ]);
  verifier = v!.address;
  boundary = b!.address;
  world = new ToyChainWorld(chain, w!.address, w!.abi);
});
after(async () => {
  await chain?.stop();
});

interface Played {
  status: number;
  node: bigint;
  preStep: bigint;
  rounds: number;
  end: "step" | "timeout";
}

/** A liar posts its (lying) truth without the consistency checks an honest defender makes. */
async function post(v: BisectionView, p: TraceProvider, isHonest: boolean): Promise<Hex[]> {
  if (isHonest) return defenderMove(v, p);
  return Promise.all(intermediatePositions(v, v.k).map((x) => p.commitmentAt(x)));
}

/**
 * Plays one game on chain with the bisection strategies. `claimOverride` replaces the defender's
 * S_N (a claim no execution produces). Checks every chosen segment against the TS arithmetic.
 */
async function play(
  game: GameHandle,
  k: bigint,
  stepDepth: bigint,
  n: bigint,
  d: ToyParty,
  c: ToyParty,
  claimOverride?: Hex,
): Promise<Played> {
  const steps = 1n << stepDepth;
  const gd = await graphOf(world, d, n, steps);
  const gc = await graphOf(world, c, n, steps);
  if (claimOverride) gd[Number(n)] = claimOverride;
  const s0 = await world.read<Hex>("s0");
  assert.equal(gd[0], s0);
  const model: ModelTuple = {
    programRoot: await world.read<Hex>("programRoot"),
    graphRoot: keccak256(stringToHex("graph")),
    weightsRoot: keccak256(stringToHex("weights")),
    nodeCount: Number(n),
  };
  const id = await game.create(model, s0, gd[Number(n)]!);
  const dHonest = d.lieNode === HONEST && !claimOverride;
  let dp2: TraceProvider | undefined;
  let cp2: TraceProvider | undefined;
  let sI: Hex | undefined;
  let posted: Hex[] = [];
  const out: Played = { status: 0, node: -1n, preStep: -1n, rounds: 0, end: "step" };
  for (let guard = 0; guard < 200; guard++) {
    const g = await game.getGame(id);
    const v: BisectionView = { ...g, k };
    if (g.status !== GameStatus.InProgress) return { ...out, status: g.status };
    if (g.phase === Phase.Bisect) {
      posted = await post(v, g.level === 1 ? level1(gd) : dp2!, dHonest);
      await game.send(DEFENDER, "bisect", [id, posted]);
    } else if (g.phase === Phase.Choose) {
      const choice = await challengerMove(v, posted, g.level === 1 ? level1(gc) : cp2!);
      assert.equal(choice.kind, "dispute", "the challenger always disputes something in these games");
      const index = choice.kind === "dispute" ? choice.index : segmentsFor(v.hi - v.lo, k) - 1n;
      await game.send(CHALLENGER, "choose", [id, posted, index]);
      const after = await game.getGame(id);
      assert.deepEqual({ lo: after.lo, hi: after.hi }, subSegment(v, k, index));
      out.rounds++;
    } else if (g.phase === Phase.OpenPhase2) {
      const t = phase2Target(v);
      out.node = t.node;
      sI = t.agreedState;
      dp2 = await level2(world, d, sI, t.node, stepDepth);
      cp2 = await level2(world, c, sI, t.node, stepDepth);
      const [finalHash, exitProof] = await world.read<[Hex, Hex]>("exitProof", [
        n,
        steps,
        d.lieNode,
        d.lieStep,
        t.node,
      ]);
      assert.equal(
        await dp2.commitmentAt(steps),
        finalHash,
        "the level-2 provider ends in the state the exit proof opens",
      );
      try {
        await game.send(DEFENDER, "openPhase2", [id, model, finalHash, "0x", exitProof]);
      } catch (e) {
        if (dHonest || !/openPhase2 reverted/.test(String(e))) throw e;
        // A liar that cannot open phase 2 lets its clock run out; anyone ends the game.
        const tc = createTestClient({ mode: "anvil", transport: http(chain.anvil.rpcUrl) });
        await tc.increaseTime({ seconds: Number(CLOCK + PHASE2_EXTENSION + 1n) });
        await tc.mine({ blocks: 1 });
        await game.send(ANYONE, "timeout", [id]);
        out.end = "timeout";
      }
    } else if (g.phase === Phase.Step) {
      const f = finalStep(v);
      out.preStep = f.preStep;
      // The pre-state is agreed: whichever party's state there hashes to it supplies the witness.
      for (const p of [c, d]) {
        const { witness, proof } = await stepWitness(world, p, sI!, BigInt(f.node), f.preStep);
        if (
          (await world.read<Hex>("hashAt", [
            sI!,
            BigInt(f.node),
            f.preStep,
            BigInt(f.node) === p.lieNode ? p.lieStep : HONEST,
          ])) !== f.preState
        )
          continue;
        await game.send(ANYONE, "step", [id, witness, proof]);
        break;
      }
    } else {
      assert.fail(`unexpected phase ${g.phase}`);
    }
  }
  assert.fail("the game did not end");
}

test("on anvil, the honest challenger beats a defender lying at node 3, step 5 (k=3, N=7, D=4): level 1 ends on node 3, level 2 on step 4→5, the on-chain step decides", async () => {
  const game = await deployGame(chain, { k: 3n, stepDepth: 4n, verifier, boundary });
  const r = await play(game, 3n, 4n, 7n, { lieNode: 3n, lieStep: 5n }, honest);
  assert.deepEqual(r, { status: GameStatus.ChallengerWon, node: 3n, preStep: 4n, rounds: 2 + 3, end: "step" });
});

test("on anvil, the honest defender beats a challenger lying at node 5, step 2 (k=4, N=8, D=4): the challenger's own first difference is node 5, step 1→2, where the step proves the defender right", async () => {
  const game = await deployGame(chain, { k: 4n, stepDepth: 4n, verifier, boundary });
  const r = await play(game, 4n, 4n, 8n, honest, { lieNode: 5n, lieStep: 2n });
  assert.deepEqual(r, { status: GameStatus.DefenderWon, node: 5n, preStep: 1n, rounds: 2 + 2, end: "step" });
});

test("on anvil, a defender lying about the last node's initial state (k=2, N=5, D=4) loses at the very first step of level 2", async () => {
  const game = await deployGame(chain, { k: 2n, stepDepth: 4n, verifier, boundary });
  const r = await play(game, 2n, 4n, 5n, { lieNode: 4n, lieStep: 0n }, honest);
  assert.deepEqual(r, { status: GameStatus.ChallengerWon, node: 4n, preStep: 0n, rounds: 3 + 4, end: "step" });
});

test("on anvil, a defender whose claimed S_N no execution produces is narrowed to the last node, cannot open phase 2, and loses on time", async () => {
  const game = await deployGame(chain, { k: 3n, stepDepth: 4n, verifier, boundary });
  const r = await play(game, 3n, 4n, 7n, honest, honest, keccak256(stringToHex("a made-up S_N")));
  assert.deepEqual(r, { status: GameStatus.ChallengerWon, node: 6n, preStep: -1n, rounds: 2, end: "timeout" });
});
