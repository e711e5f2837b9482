import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  createTestClient,
  createWalletClient,
  custom,
  http,
  publicActions,
  TimeoutError,
  type EIP1193RequestFn,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  opmlActions,
  RequestCancelledError,
  ResultTimeoutError,
  RpcStallError,
  WrongRequestStateError,
  type OracleEvent,
} from "../sdk/index.ts";
import { challengeClaim, finalizeRequest, submitClaim } from "../sdk/operator/index.ts";
import { GAME, MODEL_TERMS, startSystem, type System } from "../devnet/test/startSystem.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { disputeGameAbi } from "../sdk/gameAbi.ts";

// The SDK's whole request lifecycle on anvil, beyond request-and-wait: a consumer told of a
// dispute by watchDisputes, game reads, cancellation and withdrawal of the fee, a failed callback
// retried, and waitForResult riding out an RPC stall.

let sys: System;
let served: ServedModel;
before(async () => {
  sys = await startSystem();
  served = await ServedModel.create(sys.compiled);
});
after(async () => {
  await sys?.stop();
});

const inputOf = (seed: number) => Uint8Array.from({ length: 16 }, (_, i) => (i * 31 + seed * 7) & 0xff);

/** The dapp's client (dev account `account`, default 1): a wallet client extended with the SDK. */
function dapp(account = 1, transport: Transport = http(sys.anvil.rpcUrl)) {
  return createWalletClient({
    chain: sys.clients[account]!.chain,
    transport,
    account: privateKeyToAccount(sys.anvil.accounts[account]!.privateKey),
    pollingInterval: 50,
  })
    .extend(publicActions)
    .extend(opmlActions({ oracle: sys.oracle }));
}

/** Resolves once `events` has `n` entries (the watchers poll every 50 ms). */
async function until(events: readonly unknown[], n: number): Promise<void> {
  for (let i = 0; i < 400 && events.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(events.length >= n, `expected ${n} events, saw ${events.length}`);
}

test("a challenged claim: watchDisputes tells the consumer of the challenge, the settlement and the rejection; getGame reads the game; the requester cancels at once and withdraws the fee", async () => {
  const client = dapp();
  const input = inputOf(1);
  const { requestId } = await client.requestInference({ modelId: sys.modelId, input });
  await assert.rejects(client.cancelRequest({ requestId }), (e: unknown) => {
    assert.ok(e instanceof WrongRequestStateError);
    assert.match(e.shortMessage, new RegExp(`request ${requestId} has not expired yet`));
    return true;
  });

  const claims: OracleEvent<"ClaimSubmitted">[] = [];
  const disputes: OracleEvent<"ClaimChallenged" | "GameSettled" | "ClaimRejected">[] = [];
  const results: OracleEvent<"RequestFinalized" | "RequestCancelled" | "CallbackDelivered">[] = [];
  const stop = [
    client.watchClaims({ requestId, onClaim: (e) => claims.push(e) }),
    client.watchDisputes({ requestId, onDispute: (e) => disputes.push(e) }),
    client.watchResults({ requestId, onResult: (e) => results.push(e) }),
  ];
  try {
    const claim = served.claim(input);
    const { claimId } = await submitClaim(sys.clients[2]!.walletClient, { oracle: sys.oracle, requestId, ...claim });
    await until(claims, 1);
    assert.equal(claims[0]!.args.claimId, claimId);
    assert.equal(claims[0]!.args.output, claim.output);

    // A griefer challenges the (right) claim; the submitter never defends it.
    const { gameId } = await challengeClaim(sys.clients[3]!.walletClient, { oracle: sys.oracle, requestId, claimId });
    await until(disputes, 1);
    assert.equal(disputes[0]!.eventName, "ClaimChallenged");
    assert.equal(disputes[0]!.args.gameId, gameId);

    const g = await client.getGame({ gameId });
    assert.equal(g.status, "inProgress");
    assert.equal(g.phase, "bisect");
    assert.equal(g.level, 1);
    assert.equal(g.defender, sys.clients[2]!.walletClient.account.address);
    assert.equal(g.challenger, sys.clients[3]!.walletClient.account.address);
    assert.equal(g.deadline, g.lastMoveAt + g.defenderClock);

    await sys.advance(Number(GAME.clockBudget) + 1);
    const hash = await sys.clients[3]!.walletClient.writeContract({
      address: g.game,
      abi: disputeGameAbi,
      functionName: "timeout",
      args: [gameId],
    });
    await sys.clients[3]!.publicClient.waitForTransactionReceipt({ hash });
    await until(disputes, 3);
    assert.deepEqual(
      disputes.map((d) => d.eventName),
      ["ClaimChallenged", "ClaimRejected", "GameSettled"],
    );
    const settled = disputes[2]!;
    assert.ok(settled.eventName === "GameSettled" && !settled.args.defenderWon);
    const after = await client.getGame({ gameId });
    assert.equal(after.status, "challengerWon");
    assert.equal(after.deadline, 0n);

    // The request is open again; after a rejection its requester may cancel at once.
    await assert.rejects(dapp(4).cancelRequest({ requestId }), /not this account's to cancel/);
    const before = await client.getBalance({ address: client.account.address });
    const { refund } = await client.cancelRequest({ requestId });
    assert.equal(refund, MODEL_TERMS.fee);
    await until(results, 1);
    assert.equal(results[0]!.eventName, "RequestCancelled");
    await assert.rejects(client.waitForResult({ requestId, timeoutMs: 5_000 }), RequestCancelledError);
    assert.equal(await client.withdrawPayouts(), MODEL_TERMS.fee);
    assert.ok((await client.getBalance({ address: client.account.address })) > before);
    assert.equal(await client.withdrawPayouts(), 0n, "nothing is left to withdraw");
  } finally {
    stop.forEach((s) => s());
  }
});

test("a failed callback: finalize reports it, retryCallback fails again while the consumer reverts, then delivers once it accepts; a delivered one is not retried", async () => {
  const client = dapp();
  // The consumer is code set by hand: first one that always reverts, later one that accepts.
  const consumer = "0x00000000000000000000000000000000c0ffee01";
  const anvil = createTestClient({ mode: "anvil", transport: http(sys.anvil.rpcUrl) });
  await anvil.setCode({ address: consumer, bytecode: "0x60006000fd" }); // PUSH1 0 PUSH1 0 REVERT

  const input = inputOf(2);
  const { requestId } = await client.requestInference({
    modelId: sys.modelId,
    input,
    callback: consumer,
    callbackGasLimit: 200_000,
  });
  const claim = served.claim(input);
  const submitter = sys.clients[2]!.walletClient;
  await submitClaim(submitter, { oracle: sys.oracle, requestId, ...claim });
  await assert.rejects(client.retryCallback({ requestId }), WrongRequestStateError);
  await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
  const fin = await finalizeRequest(submitter, { oracle: sys.oracle, requestId });
  assert.equal(fin.callbackDelivered, false);
  assert.equal((await client.getRequestStatus({ requestId })).callbackStatus, "failed");
  assert.equal(await client.waitForResult({ requestId }), claim.output, "the result stands without the callback");

  assert.equal((await client.retryCallback({ requestId })).delivered, false);
  await anvil.setCode({ address: consumer, bytecode: "0x00" }); // STOP: accepts
  assert.equal((await client.retryCallback({ requestId })).delivered, true);
  assert.equal((await client.getRequestStatus({ requestId })).callbackStatus, "delivered");
  await assert.rejects(client.retryCallback({ requestId }), /callback is delivered, not failed/);
});

/**
 * An RPC endpoint in front of anvil that can stall: while `stalled`, every call either hangs until
 * the stall ends or fails after 20 ms with viem's TimeoutError (what an HTTP transport reports).
 */
function stallingTransport() {
  const upstream = http(sys.anvil.rpcUrl)({ chain: sys.clients[1]!.chain });
  let release: (() => void) | undefined;
  let ended: Promise<void> = Promise.resolve();
  let calls = 0;
  const request = (async (args) => {
    if (release) {
      if (calls++ % 2 === 0) await ended;
      else {
        await new Promise((r) => setTimeout(r, 20));
        throw new TimeoutError({ body: { method: args.method }, url: sys.anvil.rpcUrl });
      }
    }
    return upstream.request(args);
  }) as EIP1193RequestFn;
  return {
    transport: custom({ request }),
    stall() {
      ended = new Promise((r) => (release = () => r()));
    },
    resume() {
      release?.();
      release = undefined;
    },
  };
}

test("waitForResult rides out an RPC stall — calls hanging or timing out — with growing backoff, and returns the result once the node answers again", async () => {
  const rpc = stallingTransport();
  const client = dapp(1, rpc.transport);
  const input = inputOf(3);
  const { requestId } = await client.requestInference({ modelId: sys.modelId, input });
  const claim = served.claim(input);
  const submitter = sys.clients[2]!.walletClient;
  await submitClaim(submitter, { oracle: sys.oracle, requestId, ...claim });

  const delays: number[] = [];
  rpc.stall();
  const waiting = client.waitForResult({
    requestId,
    timeoutMs: 60_000,
    maxBackoffMs: 400,
    attemptTimeoutMs: 100,
    onRetry: (err, failures, delayMs) => {
      assert.ok(err instanceof TimeoutError || err instanceof RpcStallError, `not an RPC failure: ${err.name}`);
      assert.equal(failures, delays.length + 1);
      delays.push(delayMs);
    },
  });
  // The request finalizes while the dapp's node is unreachable.
  await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
  await finalizeRequest(submitter, { oracle: sys.oracle, requestId });
  for (let i = 0; i < 400 && delays.length < 6; i++) await new Promise((r) => setTimeout(r, 25));
  rpc.resume();
  assert.equal(await waiting, claim.output);
  assert.ok(delays.length >= 6, `only ${delays.length} retries`);
  assert.deepEqual(delays.slice(0, 4), [100, 200, 400, 400], "backoff doubles from the polling interval, capped");
});

test("waitForResult on a node that never comes back ends at its own timeout with ResultTimeoutError naming the RPC failure", async () => {
  const rpc = stallingTransport();
  const client = dapp(1, rpc.transport);
  const { requestId } = await client.requestInference({ modelId: sys.modelId, input: inputOf(4) });
  rpc.stall();
  const started = Date.now();
  await assert.rejects(
    client.waitForResult({ requestId, timeoutMs: 1_500, maxBackoffMs: 200, attemptTimeoutMs: 100 }),
    (e: unknown) => {
      assert.ok(e instanceof ResultTimeoutError);
      assert.equal(e.requestId, requestId);
      assert.ok(e.cause instanceof TimeoutError || e.cause instanceof RpcStallError, "the last RPC error is the cause");
      assert.match(e.details, /the RPC was failing when time ran out/);
      return true;
    },
  );
  assert.ok(Date.now() - started >= 1_500, "not before its own timeout");
  rpc.resume();
});
