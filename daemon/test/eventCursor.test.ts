import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, createTestClient, custom, http, HttpRequestError } from "viem";
import { getBlock, mine } from "viem/actions";
import { foundry } from "viem/chains";
import { startAnvil } from "../../chain/anvil.ts";
import { DataDir } from "../dataDir.ts";
import { EventCursor } from "../eventCursor.ts";
import { retry } from "../retry.ts";
import { captureLogs } from "./captureLogs.ts";

// The event cursor against a real anvil, reached through a transport that can be cut: a cursor
// must survive an RPC outage at restart (kept, retried) and be dropped only when the chain
// really does not have its block.

test("a saved event cursor survives an RPC outage at restart and resumes once the RPC is back; a block the chain lacks means a rescan", async (t) => {
  const anvil = await startAnvil({ accounts: 1 });
  t.after(() => anvil.stop());
  const upstream = http(anvil.rpcUrl)({ chain: foundry });
  let down = false;
  const client = createClient({
    chain: foundry,
    transport: custom({
      async request(args) {
        if (down) throw new HttpRequestError({ url: anvil.rpcUrl, details: "connection refused (test outage)" });
        return upstream.request(args);
      },
    }),
  });
  await mine(createTestClient({ chain: foundry, transport: http(anvil.rpcUrl), mode: "anvil" }), { blocks: 30 });
  const root = mkdtempSync(join(tmpdir(), "opml-cursor-"));
  const { logger, lines } = captureLogs();
  const make = () =>
    new EventCursor<string[]>({
      client,
      contract: "0x00000000000000000000000000000000000000aa",
      role: "test",
      dataDir: new DataDir(root, logger),
      fromBlock: 0n,
      reorgMargin: 5n,
      logger,
      decodeItems: (raw) => raw as string[],
      rpc: (what, fn) => retry(what, fn, { attempts: 2, backoffMs: 1 }),
    });

  const first = make();
  assert.equal(await first.restore(), undefined, "nothing saved yet");
  const r = await first.range();
  assert.ok(r && r.toBlock === 30n);
  first.commit(r, ["7"]);
  const file = join(root, "state", "test-0x00000000000000000000000000000000000000aa.bin");
  assert.ok(existsSync(file));

  // Restart while the RPC is down: restore throws a transient error and keeps the file.
  const second = make();
  down = true;
  await assert.rejects(second.restore(), HttpRequestError);
  assert.ok(existsSync(file), "the cursor file is kept through the outage");
  assert.equal(second.nextBlock, 0n);
  // The RPC is back: the next tick restores the items and resumes the margin back.
  down = false;
  assert.deepEqual(await second.restore(), ["7"]);
  assert.equal(second.nextBlock, 26n, "block 30 + 1 less a margin of 5");
  assert.equal(await second.restore(), undefined, "restore runs once");

  // A chain that lacks the saved block (a fresh anvil at the same place, say): the cursor is dropped.
  const head = await getBlock(client);
  second.commit({ fromBlock: 26n, toBlock: 1000n, toHash: head.hash }, ["8"]);
  const third = make();
  assert.equal(await third.restore(), undefined);
  assert.equal(third.nextBlock, 0n, "rescan from the first block");
  assert.ok(!existsSync(file), "the stale cursor file is removed");
  assert.ok(lines.some((l) => String(l.msg).includes("not on this chain")));
});
