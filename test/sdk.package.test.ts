import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { buildPackage, checkBuild, SDK_DIR } from "../sdk/tools/buildPackage.ts";
import { dequantizeOutput, quantizeInput, readModelScales } from "../sdk/index.ts";
import { finalizeRequest, submitClaim } from "../sdk/operator/index.ts";
import { encodeModel } from "../dnn-lib/src/model/modelFile.ts";
import { ServedModel } from "../claim/ServedModel.ts";
import { MODEL_TERMS, startSystem, type System } from "../devnet/test/startSystem.ts";
import { REPO_ROOT } from "../chain/foundry.ts";

// The SDK as a user outside this repository gets it: built, packed with `npm pack`, installed
// into a scratch project beside another viem patch version than the repository's, a dapp file
// (sdk/test/dapp/dapp.ts) typechecked there with the scratch project's types only, then run
// against anvil — request, wait, read the result — while this test plays the submitter.

/** A viem release other than the repository's own (a different patch of the same minor). */
const DAPP_VIEM = "2.57.16";

let scratch: string;
let sys: System;
before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "opml-dapp-"));
  sys = await startSystem();
});
after(async () => {
  await sys?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test("the packed SDK installs into a project with its own viem, typechecks a dapp with client.extend(opmlActions), and the dapp requests, waits and reads the result on anvil", async () => {
  buildPackage();
  assert.deepEqual(checkBuild(), [], "no import leaves the package or names an undeclared dependency");
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", scratch], SDK_DIR)) as {
    filename: string;
    files: { path: string }[];
  }[];
  assert.ok(packed!.files.some((f) => f.path === "build/sdk/index.d.ts"));
  assert.ok(!packed!.files.some((f) => f.path.endsWith(".ts") && !f.path.endsWith(".d.ts")), "no TypeScript sources");

  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "dapp", private: true, type: "module" }));
  run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      join(scratch, packed!.filename),
      `viem@${DAPP_VIEM}`,
      "@types/node@20",
    ],
    scratch,
  );
  const viemVersion = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  assert.equal(viemVersion(join(scratch, "node_modules/viem/package.json")), DAPP_VIEM);
  assert.notEqual(DAPP_VIEM, viemVersion(join(REPO_ROOT, "node_modules/viem/package.json")));
  assert.ok(!existsSync(join(scratch, "node_modules/@opml/sdk/node_modules/viem")), "viem is a peer: one copy");

  copyFileSync(join(SDK_DIR, "test/dapp/dapp.ts"), join(scratch, "dapp.ts"));
  writeFileSync(
    join(scratch, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
        types: ["node"],
        strict: true,
        skipLibCheck: false,
        outDir: "out",
      },
      files: ["dapp.ts"],
    }),
  );
  // The repository's TypeScript compiler, on the scratch project's files and types only.
  run(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", scratch], scratch);
  assert.ok(readdirSync(join(scratch, "out")).includes("dapp.js"));

  const modelFile = join(scratch, "model.opml");
  writeFileSync(modelFile, encodeModel(sys.compiled.model));
  const scales = readModelScales(readFileSync(modelFile));
  const features = Array.from({ length: scales.inputLength }, (_, i) => ((i % 7) - 3) * 0.4 * scales.inputScale * 10);
  const dapp = spawn(process.execPath, ["out/dapp.js"], {
    cwd: scratch,
    env: {
      ...process.env,
      RPC_URL: sys.anvil.rpcUrl,
      ORACLE: sys.oracle,
      PRIVATE_KEY: sys.anvil.accounts[1]!.privateKey,
      MODEL_ID: String(sys.modelId),
      MODEL_FILE: modelFile,
      FEATURES: features.join(","),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  dapp.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => dapp.on("exit", r));
  const lines = createInterface({ input: dapp.stdout })[Symbol.asyncIterator]();
  try {
    const first = await lines.next();
    assert.ok(!first.done, `the dapp printed nothing: ${stderr}`);
    const { requestId, fee } = JSON.parse(first.value) as { requestId: string; fee: string };
    assert.equal(BigInt(fee), MODEL_TERMS.fee);

    // The submitter's side: the honest claim on what the dapp quantized.
    const served = await ServedModel.create(sys.compiled);
    const claim = served.claim(quantizeInput(scales, features));
    const submitter = sys.clients[2]!.walletClient;
    await submitClaim(submitter, { oracle: sys.oracle, requestId: BigInt(requestId), ...claim });
    await sys.advance(Number(MODEL_TERMS.challengeWindow) + 1);
    await finalizeRequest(submitter, { oracle: sys.oracle, requestId: BigInt(requestId) });

    const second = await lines.next();
    assert.ok(!second.done, `the dapp stopped before the result: ${stderr}`);
    const result = JSON.parse(second.value) as { output: string; status: string; values: number[] };
    assert.equal(result.status, "finalized");
    assert.equal(result.output, claim.output);
    assert.deepEqual(result.values, [...dequantizeOutput(scales, claim.output)]);
    assert.equal(await exited, 0, stderr);
  } finally {
    dapp.kill();
  }
});
