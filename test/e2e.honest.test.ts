import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex, hexToBytes, parseEventLogs, type Abi } from "viem";
import { startSystem, MODEL_TERMS, type System } from "../devnet/test/startSystem.ts";
import { loadArtifact } from "../chain/deploy.ts";
import { Journal } from "../daemon/journal.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { getRequestStatus, waitForResult } from "../sdk/index.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { captureLogs } from "../daemon/test/captureLogs.ts";

// The honest path end to end on anvil: the example dapp (ClassifierGate) asks for a
// classification, the submitter daemon runs tiny-mlp natively and claims, nobody challenges,
// a restarted submitter (fresh memory, same data directory) finalizes after the window, and the
// dapp's callback receives the output the native runner computed.

let sys: System;
let gateAbi: Abi;
before(async () => {
  sys = await startSystem();
  gateAbi = loadArtifact("ClassifierGate", { source: "contracts/src/examples/ClassifierGate.sol" }).abi;
});
after(async () => {
  await sys?.stop();
});

test("an honest claim finalizes and the example dapp's callback receives the output (submitter restarted mid-window)", async () => {
  const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 13 + 5) & 0xff);
  const user = sys.clients[1]!;
  const fee = (await user.publicClient.readContract({
    address: sys.dapp,
    abi: gateAbi,
    functionName: "fee",
  })) as bigint;
  assert.equal(fee, MODEL_TERMS.fee + 100_000n * MODEL_TERMS.feePerCallbackGas);
  const hash = await user.walletClient.writeContract({
    address: sys.dapp,
    abi: gateAbi,
    functionName: "submit",
    args: [bytesToHex(input)],
    value: fee,
  } as never);
  const receipt = await user.publicClient.waitForTransactionReceipt({ hash });
  const requestId = parseEventLogs({ abi: opmlOracleAbi, logs: receipt.logs, eventName: "InferenceRequested" })[0]!.args
    .requestId;

  const served = await ServedModel.create(sys.compiled);
  const dataDir = mkdtempSync(join(tmpdir(), "opml-submitter-"));
  const signer = sys.clients[2]!.walletClient;
  const logsA = captureLogs({ base: { role: "submitter" }, level: "debug" });
  const a = new SubmitterDaemon({
    client: signer,
    oracle: sys.oracle,
    models: new Map([[sys.modelId, served]]),
    logger: logsA.logger,
    journal: new Journal(dataDir),
  });
  await a.tick();
  const s = await getRequestStatus(user.publicClient, { oracle: sys.oracle, requestId });
  assert.equal(s.status, "claimed");
  const expected = served.claim(input);
  assert.equal(s.claim!.output, expected.output);
  assert.equal(s.claim!.submitter, signer.account.address);
  // Window still open: a second tick does nothing irreversible.
  await a.tick();
  assert.equal((await getRequestStatus(user.publicClient, { oracle: sys.oracle, requestId })).status, "claimed");

  // "Kill" A; B starts with empty memory and the same data directory, after the window.
  await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
  const logsB = captureLogs({ base: { role: "submitter" }, level: "debug" });
  const journal = new Journal(dataDir);
  const b = new SubmitterDaemon({
    client: signer,
    oracle: sys.oracle,
    models: new Map([[sys.modelId, served]]),
    logger: logsB.logger,
    journal,
  });
  const before = await user.publicClient.getBalance({ address: signer.account.address });
  await b.tick();
  assert.equal(
    await waitForResult(user.publicClient, { oracle: sys.oracle, requestId, timeoutMs: 5000 }),
    expected.output,
  );

  // The dapp's callback got the output: label = argmax of the int8 logits.
  const logits = [...hexToBytes(expected.output)].map((x) => (x << 24) >> 24);
  const label = logits.indexOf(Math.max(...logits));
  const item = (await user.publicClient.readContract({
    address: sys.dapp,
    abi: gateAbi,
    functionName: "items",
    args: [requestId],
  })) as readonly [string, boolean, number];
  assert.equal(item[1], true, "labelled");
  assert.equal(item[2], label);
  assert.equal(
    (await getRequestStatus(user.publicClient, { oracle: sys.oracle, requestId })).callbackStatus,
    "delivered",
  );

  // Fee and bond were withdrawn by B in the same tick.
  const after = await user.publicClient.getBalance({ address: signer.account.address });
  assert.ok(after > before, "the submitter collected fee + bond");
  assert.equal(
    await user.publicClient.readContract({
      address: sys.oracle,
      abi: opmlOracleAbi,
      functionName: "payouts",
      args: [signer.account.address],
    }),
    0n,
  );

  // Journal: submitClaim by A and finalize by B, both mined.
  assert.ok(journal.mined("submitClaim", requestId));
  assert.ok(journal.mined("finalize", requestId));
  // Logs carry the request id; the key never appears.
  assert.ok(logsA.lines.some((l) => l.msg === "claim submitted" && l.requestId === String(requestId)));
  assert.ok(logsB.lines.some((l) => l.msg === "request finalized" && l.requestId === String(requestId)));
  const key = sys.anvil.accounts[2]!.privateKey.slice(2);
  assert.ok(![...logsA.raw, ...logsB.raw].some((l) => l.includes(key)));
});

test("a failing chain answer (an oracle address with no code) is logged as an error; the tick does not throw", async () => {
  const served = await ServedModel.create(sys.compiled);
  const logs = captureLogs({ base: { role: "submitter" }, level: "debug" });
  const d = new SubmitterDaemon({
    client: sys.clients[2]!.walletClient,
    oracle: "0x000000000000000000000000000000000000dEaD",
    models: new Map([[sys.modelId, served]]),
    logger: logs.logger,
    retry: { attempts: 1 },
    withdraw: false,
  });
  await d.tick(); // the oracle address has no code: every call fails, the tick survives
  assert.ok(logs.lines.some((l) => l.level === 50));
});
