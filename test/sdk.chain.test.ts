import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, createWalletClient, http, parseEventLogs, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  FeeMismatchError,
  MalformedInputError,
  UnknownModelError,
  UnknownRequestError,
  estimateFee,
  getRequestStatus,
  opmlActions,
  opmlOracleAbi,
  requestInference,
  waitForResult,
} from "../sdk/index.ts";
import { MODEL_TERMS, startSystem, type System } from "../devnet/test/startSystem.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { finalizeRequest, submitClaim } from "../sdk/operator/claimActions.ts";
import { loadArtifact } from "../chain/deploy.ts";

let sys: System;
before(async () => {
  sys = await startSystem();
});
after(async () => {
  await sys?.stop();
});

const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 37) & 0xff);

function dappClient() {
  const a = sys.anvil.accounts[1]!;
  return createWalletClient({
    chain: sys.clients[1]!.chain,
    transport: http(sys.anvil.rpcUrl),
    account: privateKeyToAccount(a.privateKey),
    pollingInterval: 50,
  })
    .extend(publicActions)
    .extend(opmlActions({ oracle: sys.oracle }));
}

test("the SDK's ABI matches the forge artifact of OpmlOracle (every function, event and error)", () => {
  const art = loadArtifact("OpmlOracle", { source: "contracts/src/oracle/OpmlOracle.sol" });
  const sig = (x: { type: string; name?: string; inputs?: readonly { type: string }[] }) =>
    `${x.type} ${x.name}(${(x.inputs ?? []).map((i) => i.type).join(",")})`;
  const ours = new Set(opmlOracleAbi.map(sig));
  for (const item of art.abi) {
    if (item.type === "constructor") continue;
    const s = sig(item);
    // public constants and mappings the SDK does not use are allowed to be missing
    if (item.type === "function" && !ours.has(s)) continue;
    assert.ok(ours.has(s), `artifact has ${s}, the SDK ABI does not`);
  }
  for (const s of ours) {
    assert.ok(
      art.abi.some((i) => sig(i) === s),
      `SDK ABI has ${s}, the contract does not`,
    );
  }
});

test("estimateFee = fee + callbackGas * feePerCallbackGas, read from the chain", async () => {
  const c = sys.clients[1]!.publicClient;
  assert.equal(await estimateFee(c, { oracle: sys.oracle, modelId: sys.modelId }), MODEL_TERMS.fee);
  assert.equal(
    await estimateFee(c, { oracle: sys.oracle, modelId: sys.modelId, callbackGasLimit: 1000 }),
    MODEL_TERMS.fee + 1000n * MODEL_TERMS.feePerCallbackGas,
  );
});

test("an unknown model is refused with UnknownModelError (estimate and request)", async () => {
  const client = dappClient();
  await assert.rejects(client.estimateFee({ modelId: 99n }), UnknownModelError);
  await assert.rejects(client.requestInference({ modelId: 0n, input }), UnknownModelError);
});

test("malformed input is refused with MalformedInputError before sending; the contract agrees", async () => {
  const client = dappClient();
  await assert.rejects(client.requestInference({ modelId: sys.modelId, input: input.slice(1) }), (e: unknown) => {
    assert.ok(e instanceof MalformedInputError);
    assert.equal(e.expected, 16n);
    assert.equal(e.actual, 15n);
    return true;
  });
  await assert.rejects(client.requestInference({ modelId: sys.modelId, input: "0x123" }), MalformedInputError);
  // The contract's own revert maps to the same class (sent around the SDK's pre-check).
  await assert.rejects(
    client
      .simulateContract({
        address: sys.oracle,
        abi: opmlOracleAbi,
        functionName: "requestInference",
        args: [sys.modelId, bytesToHex(input.slice(2)), "0x0000000000000000000000000000000000000000", 0, "0x"],
        value: MODEL_TERMS.fee,
      })
      .catch(async (e) => {
        throw (await import("../sdk/errors.ts")).toOpmlError(e);
      }),
    MalformedInputError,
  );
});

test("an underpaid fee is refused with FeeMismatchError (underpaid), and so is an overpaid one", async () => {
  const client = dappClient();
  await assert.rejects(client.requestInference({ modelId: sys.modelId, input, value: MODEL_TERMS.fee - 1n }), (e) => {
    assert.ok(e instanceof FeeMismatchError);
    assert.ok(e.underpaid);
    assert.equal(e.expected, MODEL_TERMS.fee);
    return true;
  });
  await assert.rejects(
    client.requestInference({ modelId: sys.modelId, input, value: MODEL_TERMS.fee + 1n }),
    FeeMismatchError,
  );
});

test("request, status, a real claim, finalize, waitForResult returns the native runner's output", async () => {
  const client = dappClient();
  const { requestId, hash } = await client.requestInference({ modelId: sys.modelId, input });
  const receipt = await client.getTransactionReceipt({ hash });
  const ev = parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs, eventName: "InferenceRequested" })[0]!;
  assert.equal(ev.args.requestId, requestId);
  let s = await client.getRequestStatus({ requestId });
  assert.equal(s.status, "open");
  assert.equal(s.claim, undefined);
  await assert.rejects(client.getRequestStatus({ requestId: requestId + 100n }), UnknownRequestError);

  const served = await ServedModel.create(sys.compiled);
  const claim = served.claim(input);
  const submitter = sys.clients[2]!.walletClient;
  await submitClaim(submitter, { oracle: sys.oracle, requestId, ...claim });
  s = await getRequestStatus(client, { oracle: sys.oracle, requestId });
  assert.equal(s.status, "claimed");
  assert.equal(s.claim?.output, claim.output);
  assert.equal(s.claim?.finalState, claim.finalState);

  const waiting = waitForResult(client, { oracle: sys.oracle, requestId, timeoutMs: 30_000 });
  await sys.advance(Number(MODEL_TERMS.challengeWindow));
  await finalizeRequest(submitter, { oracle: sys.oracle, requestId });
  assert.equal(await waiting, claim.output);
  assert.equal((await client.getRequestStatus({ requestId })).status, "finalized");
});

test("requestInference works as a plain action too", async () => {
  const r = await requestInference(sys.clients[1]!.walletClient, { oracle: sys.oracle, modelId: sys.modelId, input });
  assert.ok(r.requestId > 0n);
  assert.equal(r.fee, MODEL_TERMS.fee);
});
