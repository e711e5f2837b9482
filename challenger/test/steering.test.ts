import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { keccak256, toHex, type Hex } from "viem";
import { challengerMove, segmentsFor, type BisectionView } from "../../bisection/index.ts";
import { ANVIL_TEST_MNEMONIC, deriveDevAccounts } from "../../chain/anvil.ts";
import { devClients } from "../../chain/devClients.ts";
import { createLogger } from "../../daemon/logger.ts";
import { ChallengerConfigError, ChallengerDaemon } from "../daemon.ts";
import { steeredLevel1, steeredLevel2 } from "../steering.ts";

// The devnet-only steering challenger: its choices narrow to the node it picks, and the daemon
// refuses it anywhere but on a devnet.

const states: Hex[] = Array.from({ length: 10 }, (_, i) => keccak256(toHex(`S_${i}`)));

/** Plays level 1 as the game would, the defender posting the true states, the steered challenger choosing. */
async function narrow(node: number, k: bigint): Promise<bigint> {
  const provider = steeredLevel1(states, node);
  let v: BisectionView = { k, level: 1, node: 0, lo: 0n, hi: 9n, startHash: states[0]!, endHash: states[9]! };
  while (v.hi - v.lo > 1n) {
    const m = segmentsFor(v.hi - v.lo, k);
    const point = (j: bigint) => v.lo + ((v.hi - v.lo) * j) / m;
    const posted = Array.from({ length: Number(m - 1n) }, (_, j) => states[Number(point(BigInt(j) + 1n))]!);
    const c = await challengerMove(v, posted, provider);
    assert.equal(c.kind, "dispute");
    if (c.kind !== "dispute") break;
    v = { ...v, lo: c.agreedPosition, hi: c.disputedPosition, startHash: states[Number(c.agreedPosition)]! };
  }
  return v.lo;
}

test("a steered challenger's level-1 choices narrow an honest claim to the node it picks", async () => {
  for (const k of [2n, 4n]) for (let node = 0; node < 9; node++) assert.equal(await narrow(node, k), BigInt(node));
});

test("at level 2 a steered challenger agrees only with the start, so it always names the first sub-segment", async () => {
  const start = keccak256(toHex("I"));
  const v: BisectionView = { k: 4n, level: 2, node: 3, lo: 0n, hi: 1n << 32n, startHash: start, endHash: start };
  const posted = [1, 2, 3].map((i) => keccak256(toHex(`c${i}`)));
  const c = await challengerMove(v, posted, steeredLevel2(v, 32n));
  assert.ok(c.kind === "dispute" && c.index === 0n);
  assert.throws(() => steeredLevel1(states, 9), ChallengerConfigError);
});

test("the challenger daemon refuses steering on a chain that is not a devnet, and outside defend mode", () => {
  const key = deriveDevAccounts(ANVIL_TEST_MNEMONIC, 1)[0]!.privateKey;
  const logger = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const opts = { oracle: keccak256("0x").slice(0, 42) as Hex, models: new Map(), logger, steerToNode: 1 };
  const mainnet = devClients("http://127.0.0.1:1", 1, key).walletClient;
  assert.throws(() => new ChallengerDaemon({ ...opts, client: mainnet, mode: "defend" }), {
    name: "ChallengerConfigError",
    message: /devnet only/,
  });
  const devnet = devClients("http://127.0.0.1:1", 31337, key).walletClient;
  assert.throws(() => new ChallengerDaemon({ ...opts, client: devnet, mode: "watch" }), ChallengerConfigError);
  assert.doesNotThrow(() => new ChallengerDaemon({ ...opts, client: devnet, mode: "defend" }));
});
