import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestClient, http, type TransactionReceipt } from "viem";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { devClients, type DevClients } from "../../chain/devClients.ts";
import type { TxPriority, TxToSend } from "../../sdk/txSender.ts";
import { Journal } from "../journal.ts";
import { TxPipeline } from "../txPipeline.ts";
import { captureLogs } from "./captureLogs.ts";

// The pipeline against a real anvil: many transactions of one signer in flight at once, in
// priority order under the cap, a dropped transaction re-sent with higher fees, and a restarted
// pipeline settling from the journal what the previous one left in flight.

let anvil: Anvil;
let c: DevClients;
before(async () => {
  anvil = await startAnvil({ accounts: 3 });
  c = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
});
after(async () => {
  await anvil?.stop();
});
const testClient = () => createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });

const transfer = (action: string, priority: TxPriority, deadline?: bigint): TxToSend => ({
  to: anvil.accounts[1]!.address,
  data: "0x",
  value: 1n,
  gas: 21_000n,
  action,
  priority,
  deadline,
});

test("with a cap of 3, 12 transactions are mined with consecutive nonces, never more than 3 in flight; blocks carry several", async () => {
  await testClient().setAutomine(false);
  await testClient().setIntervalMining({ interval: 1 });
  try {
    const p = new TxPipeline({ client: c.walletClient, logger: captureLogs().logger, maxInFlight: 3 });
    const first = await c.publicClient.getTransactionCount({ address: c.walletClient.account.address });
    const receipts = await Promise.all(Array.from({ length: 12 }, (_, i) => p.send(transfer(`t${i}`, "claim"))));
    assert.ok(receipts.every((r) => r.status === "success"));
    const txs = await Promise.all(receipts.map((r) => c.publicClient.getTransaction({ hash: r.transactionHash })));
    assert.deepEqual(
      txs.map((t) => t.nonce).sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => first + i),
    );
    assert.equal(p.maxSeenInFlight, 3);
    assert.ok(new Set(receipts.map((r) => r.blockNumber)).size < 12, "several in one block");
  } finally {
    await testClient().setIntervalMining({ interval: 0 });
    await testClient().setAutomine(true);
  }
});

test("under the cap, moves go first (earliest deadline first), then claims, then settlements", async () => {
  await testClient().setAutomine(false);
  try {
    const p = new TxPipeline({ client: c.walletClient, logger: captureLogs().logger, maxInFlight: 1 });
    const sent: Promise<TransactionReceipt>[] = [];
    // The first takes the only slot; the rest queue and go by priority once it is mined.
    sent.push(p.send(transfer("first", "settle")));
    await new Promise((r) => setTimeout(r, 200));
    for (const [a, pr, d] of [
      ["settle", "settle"],
      ["claim", "claim"],
      ["move-late", "move", 200n],
      ["move-soon", "move", 100n],
    ] as const)
      sent.push(p.send(transfer(a, pr, d)));
    const order: string[] = [];
    const names = ["first", "settle", "claim", "move-late", "move-soon"];
    for (let i = 0; i < 5; i++) {
      await testClient().mine({ blocks: 1 });
      await new Promise((r) => setTimeout(r, 300));
    }
    const receipts = await Promise.all(sent);
    const nonces = await Promise.all(
      receipts.map(async (r) => (await c.publicClient.getTransaction({ hash: r.transactionHash })).nonce),
    );
    for (const i of [...nonces.keys()].sort((a, b) => nonces[a]! - nonces[b]!)) order.push(names[i]!);
    assert.deepEqual(order, ["first", "move-soon", "move-late", "claim", "settle"]);
  } finally {
    await testClient().setAutomine(true);
  }
});

test("a transaction the node dropped is re-sent with higher fees and mined; a restarted pipeline settles from the journal what was in flight", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "opml-pipeline-"));
  await testClient().setAutomine(false);
  try {
    const logs = captureLogs();
    const journal = new Journal(dataDir);
    const p = new TxPipeline({ client: c.walletClient, logger: logs.logger, journal, bumpAfterMs: 300, pollMs: 50 });
    const mined = p.send(transfer("dropped-once", "claim"));
    while (journal.unsettled().length === 0) await new Promise((r) => setTimeout(r, 20));
    const [firstHash] = journal.unsettled()[0]!.hashes;
    await testClient().dropTransaction({ hash: firstHash as `0x${string}` });
    await new Promise((r) => setTimeout(r, 700)); // past bumpAfterMs: re-sent
    await testClient().mine({ blocks: 1 });
    const r = await mined;
    assert.equal(r.status, "success");
    assert.notEqual(r.transactionHash, firstHash, "mined under the bumped hash");
    assert.ok(logs.lines.some((l) => l.msg === "transaction re-sent with higher fees"));

    // What a run killed with a transaction in flight leaves: the transaction in the pool, its
    // "sending" and "sent" lines in the journal. The next pipeline watches it to its receipt.
    const nonce = await c.publicClient.getTransactionCount({ address: c.walletClient.account.address });
    const hash = await c.walletClient.sendTransaction({ to: anvil.accounts[1]!.address, value: 1n, nonce });
    journal.append({ action: "in-flight-at-kill", requestId: "9", phase: "sending", nonce });
    journal.append({ action: "in-flight-at-kill", requestId: "9", phase: "sent", nonce, hash });
    const next = new TxPipeline({
      client: c.walletClient,
      logger: captureLogs().logger,
      journal: new Journal(dataDir),
    });
    assert.equal(await next.recover(), 1);
    assert.ok(next.inFlight("in-flight-at-kill", 9n), "known in flight: not to be sent again");
    await testClient().mine({ blocks: 1 });
    await next.drained();
    assert.deepEqual(new Journal(dataDir).unsettled(), []);
    assert.ok(new Journal(dataDir).entries().some((e) => e.action === "in-flight-at-kill" && e.phase === "mined"));
  } finally {
    await testClient().setAutomine(true);
  }
});
