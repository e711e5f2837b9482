import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { startSystem, playLieToTheStep, type System } from "../devnet/test/startSystem.ts";
import { startAnvil } from "../chain/anvil.ts";
import { writeDevnetState } from "../devnet/devnetState.ts";
import { encodeModel } from "../dnn-lib/src/model/modelFile.ts";
import { tinyMlp } from "../dnn-lib/models/tiny.ts";
import { createLogger } from "../daemon/logger.ts";
import { getRequestStatus, requestInference } from "../sdk/index.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import { AdversaryRefusedError, devnetChainIds } from "../cli/adversary.ts";
import { runOpml } from "../cli/test/runOpml.ts";

// The test-only adversary as a user runs it: a real `opml submitter --lie-at-node N` process
// claims a wrong output and plays its lie through phase 2 to the on-chain step, where a
// challenger daemon wins; the same command is refused on a chain that is not a devnet.

const OPML = ["--import", "tsx", "cli/opml.ts"];
let sys: System;
let dir: string;
before(async () => {
  sys = await startSystem();
  dir = mkdtempSync(join(tmpdir(), "opml-liar-"));
  writeFileSync(join(dir, "tiny-mlp.opml"), encodeModel(tinyMlp()));
});
after(async () => {
  await sys?.stop();
});

const quiet = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });

test("an `opml submitter --lie-at-node 1` process claims a wrong output, opens phase 2 with its wrong VM run and loses at the on-chain step to a challenger daemon", async () => {
  const pc = sys.clients[0]!.publicClient;
  const input = Uint8Array.from({ length: 16 }, (_, i) => 200 - i * 7);
  const fromBlock = await pc.getBlockNumber();
  const { requestId } = await requestInference(sys.clients[1]!.walletClient, {
    oracle: sys.oracle,
    modelId: sys.modelId,
    input,
  });
  const liar = spawn(
    process.execPath,
    [
      ...OPML,
      "submitter",
      "--models",
      `${sys.modelId}=${join(dir, "tiny-mlp.opml")}`,
      "--data-dir",
      join(dir, "liar"),
      "--lie-at-node",
      "1",
    ],
    {
      env: {
        ...process.env,
        OPML_RPC_URL: sys.anvil.rpcUrl,
        OPML_ORACLE: sys.oracle,
        OPML_POLL_MS: "100",
        OPML_PRIVATE_KEY: sys.anvil.accounts[2]!.privateKey,
      },
    },
  );
  let out = "";
  liar.stdout.on("data", (d) => (out += String(d)));
  liar.stderr.on("data", (d) => (out += String(d)));
  try {
    const deadline = Date.now() + 180_000;
    while (!out.includes('"claim submitted"') && Date.now() < deadline && liar.exitCode === null) await sleep(100);
    assert.ok(out.includes('"claim submitted"'), `the liar did not claim:\n${out.slice(-3000)}`);

    const served = await ServedModel.create(sys.compiled);
    const claimed = await getRequestStatus(pc, { oracle: sys.oracle, requestId });
    assert.notEqual(claimed.claim?.output, served.claim(input).output, "the claimed output is wrong");

    const challenger = new ChallengerDaemon({
      client: sys.clients[3]!.walletClient,
      oracle: sys.oracle,
      mode: "defend",
      models: new Map([[sys.modelId, served]]),
      logger: quiet(),
      withdraw: false,
    });
    // The liar is a process polling on its own: a tick of it is a pause for its poll.
    await playLieToTheStep(sys, { liar: { tick: () => sleep(250) }, challenger }, requestId, 1, fromBlock, 400);
  } finally {
    liar.kill("SIGTERM");
    await new Promise((r) => liar.once("exit", r));
  }
  const lines = out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.find((l) => l.msg === "opml submitter starting")?.mode, "lying(test)");
  assert.ok(
    lines.some((l) => l.msg === "phase 2 run of the disputed node" && l.node === "1"),
    "the liar opened phase 2",
  );
  assert.ok(!out.includes("ClaimComputationError"), `the liar never failed to compute its own lie:\n${out}`);
});

test("the lying submitter is refused on chain id 17000 (before any key, lock or model is used), and allowed on a devnet recorded with that id at that URL", async () => {
  const holesky = await startAnvil({ chainId: 17000, port: 0 });
  try {
    const r = await runOpml([
      "submitter",
      "--rpc-url",
      holesky.rpcUrl,
      "--oracle",
      sys.oracle,
      "--private-key",
      holesky.accounts[0]!.privateKey,
      "--data-dir",
      join(dir, "refused"),
      "--lie-at-node",
      "1",
    ]);
    assert.ok(r.error instanceof AdversaryRefusedError, String(r.error));
    assert.equal(r.error.chainId, 17000);
    assert.match(r.error.message, /refused on chain 17000/);

    const stateFile = join(dir, "devnet.json");
    assert.deepEqual(devnetChainIds(holesky.rpcUrl, stateFile), [31337], "no devnet recorded");
    writeDevnetState(
      {
        version: 1,
        rpcUrl: holesky.rpcUrl,
        chainId: 17000,
        pid: holesky.pid,
        startedAt: new Date().toISOString(),
        accounts: [],
        contracts: {},
        missing: [],
        models: [],
      },
      stateFile,
    );
    assert.deepEqual(devnetChainIds(holesky.rpcUrl, stateFile), [31337, 17000], "the devnet's own id at its URL");
    assert.deepEqual(devnetChainIds("http://127.0.0.1:1", stateFile), [31337], "not at another URL");
  } finally {
    await holesky.stop();
  }
});
