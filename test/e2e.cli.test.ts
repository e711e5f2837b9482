import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bytesToHex } from "viem";
import { startSystem, MODEL_TERMS, type System } from "../devnet/test/startSystem.ts";
import { ConfigError, resolveConfig, showConfig } from "../daemon/config.ts";
import { SUBMITTER_OPTIONS } from "../cli/daemons.ts";
import { encodeModel } from "../dnn-lib/src/model/modelFile.ts";
import { tinyMlp } from "../dnn-lib/models/tiny.ts";
import { getRequestStatus } from "../sdk/index.ts";
import { ServedModel } from "../claim/ServedModel.ts";

// The opml subcommands as a user runs them: config resolution and display, then `opml request`,
// a real `opml submitter` process claiming it, `opml status` and `opml finalize`.

const run = promisify(execFile);
const OPML = ["--import", "tsx", "cli/opml.ts"];
let sys: System;
let dir: string;
before(async () => {
  sys = await startSystem();
  dir = mkdtempSync(join(tmpdir(), "opml-cli-"));
  writeFileSync(join(dir, "tiny-mlp.opml"), encodeModel(tinyMlp()));
});
after(async () => {
  await sys?.stop();
});

test("config: flag > env > file > default, each value with its source; keys redacted; unknown file keys refused", () => {
  const file = join(mkdtempSync(join(tmpdir(), "opml-cfg-")), "c.json");
  writeFileSync(file, JSON.stringify({ pollMs: 7, rpcUrl: "http://file:1", privateKey: "0xsecretfromfile" }));
  const cfg = resolveConfig(
    SUBMITTER_OPTIONS,
    { config: file, pollMs: "9" },
    {
      OPML_RPC_URL: "http://env:2",
      OPML_MODELS: "1=a.opml,2=b.opml",
    },
  );
  assert.equal(cfg.values.pollMs, 9);
  assert.equal(cfg.sources.pollMs, "flag");
  assert.equal(cfg.values.rpcUrl, "http://env:2");
  assert.equal(cfg.sources.rpcUrl, "env");
  assert.deepEqual(cfg.values.models, ["1=a.opml", "2=b.opml"]);
  assert.equal(cfg.sources.privateKey, "file");
  assert.equal(cfg.values.dataDir, ".opml/submitter");
  assert.equal(cfg.sources.dataDir, "default");
  const shown = showConfig(cfg);
  assert.match(shown, /pollMs\s+= 9 {2}\(--poll-ms\)/);
  assert.match(shown, /rpcUrl\s+= http:\/\/env:2 {2}\(OPML_RPC_URL\)/);
  assert.match(shown, /privateKey\s+= \(set, redacted\)/);
  assert.doesNotMatch(shown, /secretfromfile/);
  writeFileSync(file, JSON.stringify({ pollMS: 7 }));
  assert.throws(() => resolveConfig(SUBMITTER_OPTIONS, { config: file }, {}), ConfigError);
  assert.throws(() => resolveConfig(SUBMITTER_OPTIONS, { pollMs: "soon" }, {}), ConfigError);
});

test("opml request → a real `opml submitter` process claims it → opml status → opml finalize", async () => {
  const env = {
    ...process.env,
    OPML_RPC_URL: sys.anvil.rpcUrl,
    OPML_ORACLE: sys.oracle,
    OPML_POLL_MS: "100",
  };
  const input = bytesToHex(Uint8Array.from({ length: 16 }, (_, i) => i * 3));
  const req = await run(
    process.execPath,
    [
      ...OPML,
      "request",
      "--model",
      String(sys.modelId),
      "--input",
      input,
      "--private-key",
      sys.anvil.accounts[1]!.privateKey,
    ],
    { env },
  );
  const { requestId } = JSON.parse(req.stdout) as { requestId: string };

  const key = sys.anvil.accounts[2]!.privateKey;
  const child = spawn(
    process.execPath,
    [...OPML, "submitter", "--models", `${sys.modelId}=${join(dir, "tiny-mlp.opml")}`, "--data-dir", join(dir, "data")],
    {
      env: { ...env, OPML_PRIVATE_KEY: key },
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += String(d)));
  child.stderr.on("data", (d) => (out += String(d)));
  try {
    const deadline = Date.now() + 45_000;
    while (!out.includes('"claim submitted"') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(out.includes('"claim submitted"'), `the submitter did not claim:\n${out.slice(-3000)}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  const lines = out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const start = lines.find((l) => l.msg === "opml submitter starting")!;
  assert.equal(start.role, "submitter");
  assert.equal(start.mode, "honest");
  assert.equal(start.chainId, sys.anvil.chainId);
  assert.equal(start.oracle, sys.oracle);
  assert.equal(start.signer, sys.anvil.accounts[2]!.address);
  assert.ok(!out.includes(key.slice(2)), "the key never appears in the logs");
  assert.ok(lines.some((l) => l.msg === "claim submitted" && l.requestId === requestId));

  const st = await run(process.execPath, [...OPML, "status", requestId, "--json"], { env });
  const status = JSON.parse(st.stdout) as { status: string; claim: { output: string } };
  assert.equal(status.status, "claimed");
  const served = await ServedModel.create(sys.compiled);
  assert.equal(status.claim.output, served.claim(Uint8Array.from({ length: 16 }, (_, i) => i * 3)).output);

  await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
  await run(process.execPath, [...OPML, "finalize", requestId, "--private-key", sys.anvil.accounts[5]!.privateKey], {
    env,
  });
  assert.equal(
    (await getRequestStatus(sys.clients[0]!.publicClient, { oracle: sys.oracle, requestId: BigInt(requestId) })).status,
    "finalized",
  );
});

test("a typed error reaches the command line plainly (malformed input), exit code 1, no key in the output", async () => {
  const env = { ...process.env, OPML_RPC_URL: sys.anvil.rpcUrl, OPML_ORACLE: sys.oracle };
  const key = sys.anvil.accounts[1]!.privateKey;
  await assert.rejects(
    run(
      process.execPath,
      [...OPML, "request", "--model", String(sys.modelId), "--input", "0x0001", "--private-key", key],
      { env },
    ),
    (e: { stderr: string; code: number }) =>
      e.code === 1 && /malformed model input/.test(e.stderr) && !e.stderr.includes(key.slice(2)),
  );
});
