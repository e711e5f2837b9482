import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  artifactsStale,
  ensureArtifacts,
  loadArtifact,
  ArtifactInvalidError,
  DEVNET_CONTRACTS,
} from "../chain/deploy.ts";
import { FileLockTimeoutError, withFileLock } from "../common/fileLock.ts";
import { writeFileSync, mkdirSync } from "node:fs";

test("an artifact missing for a source that exists counts as stale (forge build must run)", () => {
  const spec = {
    name: "NoContractOfThisName",
    source: "contracts/src/commitment/CommitmentVerifier.sol",
    description: "",
  };
  assert.equal(artifactsStale([spec]), true);
});

test("a manifest entry whose source does not exist is neither stale nor built", async () => {
  const spec = { name: "NotWrittenYet", source: "contracts/src/not/written/Yet.sol", description: "" };
  assert.equal(artifactsStale([spec]), artifactsStale([]));
  assert.equal(await ensureArtifacts([spec]), false);
});

test("after ensureArtifacts the manifest's artifacts load with an ABI and creation bytecode", async () => {
  await ensureArtifacts(DEVNET_CONTRACTS);
  for (const spec of DEVNET_CONTRACTS) {
    let artifact;
    try {
      artifact = loadArtifact(spec.name, { source: spec.source });
    } catch (err) {
      if ((err as Error).name === "ArtifactNotFoundError") continue; // source not written yet
      throw err;
    }
    assert.ok(artifact.abi.length > 0);
    assert.match(artifact.bytecode, /^0x[0-9a-f]{2,}$/);
  }
});

test("loadArtifact refuses an artifact with no bytecode (an interface) with ArtifactInvalidError", () => {
  const out = mkdtempSync(join(tmpdir(), "opml-out-"));
  try {
    mkdirSync(join(out, "IThing.sol"));
    writeFileSync(join(out, "IThing.sol", "IThing.json"), JSON.stringify({ abi: [], bytecode: { object: "0x" } }));
    assert.throws(() => loadArtifact("IThing", { outDir: out }), ArtifactInvalidError);
    writeFileSync(join(out, "IThing.sol", "IThing.json"), "{ not json");
    assert.throws(() => loadArtifact("IThing", { outDir: out }), /not valid JSON/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("withFileLock runs holders one at a time and times out with FileLockTimeoutError", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opml-lock-"));
  const lock = join(dir, "x.lock");
  try {
    let inside = 0;
    let maxInside = 0;
    const hold = () =>
      withFileLock(lock, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 30));
        inside--;
      });
    await Promise.all([hold(), hold(), hold()]);
    assert.equal(maxInside, 1);
    await withFileLock(lock, async () => {
      await assert.rejects(
        withFileLock(lock, async () => undefined, { timeoutMs: 200 }),
        FileLockTimeoutError,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
