import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, custom, http, RpcRequestError } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startSystem, type System } from "../devnet/test/startSystem.ts";
import { DEV_POLLING_INTERVAL_MS } from "../chain/devClients.ts";
import { Journal } from "../daemon/journal.ts";
import { captureLogs } from "../daemon/test/captureLogs.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";
import { getRequestStatus, requestInference } from "../sdk/index.ts";

// A running submitter daemon whose RPC endpoint misbehaves: answers of the wrong shape for
// every method, then JSON-RPC errors, then healthy answers again. The daemon must log each
// failed pass, stay alive, post nothing and save no progress while the answers are bad, and
// claim the request correctly as soon as the endpoint is healthy.

type Mode = "ok" | "garbage" | "rpcError";

/** What a broken endpoint answers for `method`: a value of the wrong shape for it. */
function garbageFor(method: string): unknown {
  if (method === "eth_getLogs") return [{ address: "not an address", topics: ["0x12"], data: "zz" }];
  if (method === "eth_getBlockByNumber" || method === "eth_getBlockByHash") return { number: "twelve", hash: 7 };
  if (method === "eth_call") return "0x1234";
  return "0xnot-a-quantity";
}

let sys: System;
before(async () => {
  sys = await startSystem();
});
after(async () => {
  await sys?.stop();
});

test("a submitter daemon survives malformed RPC answers and RPC errors: it logs each failed pass, posts and saves nothing, and claims correctly once the RPC is healthy", async () => {
  const input = Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 3) & 0xff);
  const { requestId } = await requestInference(sys.clients[1]!.walletClient, {
    oracle: sys.oracle,
    modelId: sys.modelId,
    input,
  });

  let mode: Mode = "garbage";
  const calls = { garbage: 0, rpcError: 0 };
  const upstream = http(sys.anvil.rpcUrl)({ chain: sys.clients[2]!.chain });
  const client = createWalletClient({
    chain: sys.clients[2]!.chain,
    account: privateKeyToAccount(sys.anvil.accounts[2]!.privateKey),
    pollingInterval: DEV_POLLING_INTERVAL_MS,
    transport: custom({
      async request({ method, params }: { method: string; params?: unknown }) {
        if (mode === "garbage") {
          calls.garbage++;
          return garbageFor(method);
        }
        if (mode === "rpcError") {
          calls.rpcError++;
          throw new RpcRequestError({
            body: { method, params },
            error: { code: -32603, message: "internal error (test fault)" },
            url: sys.anvil.rpcUrl,
          });
        }
        return upstream.request({ method, params } as never);
      },
    }),
  });

  const served = await ServedModel.create(sys.compiled);
  const dataDir = mkdtempSync(join(tmpdir(), "opml-rpc-faults-"));
  const { logger, lines } = captureLogs({ base: { role: "submitter" }, level: "debug" });
  const daemon = new SubmitterDaemon({
    client,
    oracle: sys.oracle,
    models: new Map([[sys.modelId, served]]),
    logger,
    journal: new Journal(dataDir),
    dataDir,
    pollMs: 20,
    retry: { attempts: 2, backoffMs: 1, timeoutMs: 2000 },
  });
  const errorsSoFar = () => lines.filter((l) => l.level === 50).length;
  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  daemon.start();
  try {
    // Malformed answers: several passes fail, each logged; nothing is posted or saved.
    await until("three failed passes on malformed answers", () => errorsSoFar() >= 3);
    assert.ok(calls.garbage > 0);
    assert.equal(
      (await getRequestStatus(sys.clients[1]!.publicClient, { oracle: sys.oracle, requestId })).status,
      "open",
    );
    const stateDir = join(dataDir, "state");
    assert.ok(!existsSync(stateDir) || readdirSync(stateDir).length === 0, "no event cursor saved from bad answers");

    // JSON-RPC errors: the same.
    mode = "rpcError";
    const before = errorsSoFar();
    await until("three failed passes on RPC errors", () => errorsSoFar() >= before + 3);
    assert.ok(calls.rpcError > 0);
    assert.equal(
      (await getRequestStatus(sys.clients[1]!.publicClient, { oracle: sys.oracle, requestId })).status,
      "open",
    );

    // Healthy again: the same daemon, still running, claims the request with the right output.
    mode = "ok";
    await until(
      "the claim",
      async () =>
        (await getRequestStatus(sys.clients[1]!.publicClient, { oracle: sys.oracle, requestId })).status === "claimed",
    );
    const s = await getRequestStatus(sys.clients[1]!.publicClient, { oracle: sys.oracle, requestId });
    assert.equal(s.claim!.output, served.claim(input).output);
    assert.equal(s.claim!.submitter, client.account.address);
  } finally {
    await daemon.stop();
  }
  // Every failure was logged as an error with its cause; none was fatal.
  const failed = lines.filter((l) => l.level === 50);
  assert.ok(failed.length >= 6);
  assert.ok(failed.every((l) => typeof l.msg === "string" && l.err !== undefined));
  assert.ok(lines.some((l) => l.msg === "claim submitted" && l.requestId === String(requestId)));
});
