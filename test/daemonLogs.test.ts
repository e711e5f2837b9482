import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { getAddress } from "viem";
import { startAnvil, type Anvil } from "../chain/anvil.ts";
import { COMMON_OPTIONS, resolveConfig } from "../daemon/config.ts";
import { daemonParts } from "../daemon/setup.ts";

// The daemons' logs in both modes, through the same set-up the `opml` daemons use: JSON lines by
// default, pino-pretty with --pretty; the start-up line names role, mode, chain, oracle and signer;
// request and game ids ride along; the signing key appears in neither mode, whatever is logged.

let anvil: Anvil;
before(async () => {
  anvil = await startAnvil({ port: 0, accounts: 2 });
});
after(async () => {
  await anvil?.stop();
});

function capture() {
  let text = "";
  const destination = new Writable({
    write(chunk, _e, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { destination, text: () => text };
}

for (const pretty of [false, true]) {
  test(`${pretty ? "--pretty" : "JSON"} logs: start-up line with role, mode, chain, oracle and signer; ids on lines; the key never printed`, async () => {
    const key = anvil.accounts[1]!.privateKey;
    const oracle = "0x00000000000000000000000000000000000000aa";
    const cfg = resolveConfig(
      COMMON_OPTIONS,
      { rpcUrl: anvil.rpcUrl, oracle, privateKey: key, pretty, dataDir: mkdtempSync(join(tmpdir(), "opml-logs-")) },
      {},
    );
    const out = capture();
    const p = await daemonParts(cfg, "submitter", "honest", out.destination);
    p.logger.child({ requestId: "7", gameId: "3" }).info({ move: "bisect" }, "game move");
    // Whatever reaches a log call, a key under a redacted path is censored.
    p.logger.warn({ privateKey: key, config: { privateKey: key }, key }, "a careless line");
    p.logger.info({ values: cfg.values }, "resolved config");
    const text = out.text();
    assert.ok(!text.toLowerCase().includes(key.slice(2).toLowerCase()), "the key is not in the logs");
    assert.ok(text.includes("[redacted]"));
    const signer = p.walletClient!.account.address;
    if (pretty) {
      assert.throws(() => JSON.parse(text.split("\n")[0]!), "pretty lines are not JSON");
      assert.match(text, /INFO.*opml submitter starting/);
      assert.ok(text.includes(`signer: "${signer}"`));
      assert.ok(text.includes(`chainId: ${anvil.chainId}`));
      assert.match(text, /INFO.*game move[\s\S]*requestId: "7"[\s\S]*gameId: "3"/);
      assert.ok(!text.includes("\u001b["), "no colours when the destination is not a terminal");
    } else {
      const lines = text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const start = lines.find((l) => l.msg === "opml submitter starting")!;
      assert.deepEqual(
        [start.role, start.mode, start.chainId, start.oracle, start.signer],
        ["submitter", "honest", anvil.chainId, getAddress(oracle), signer],
      );
      const move = lines.find((l) => l.msg === "game move")!;
      assert.deepEqual([move.requestId, move.gameId], ["7", "3"]);
    }
  });
}
