import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "viem";
import { CacheFileError, readCacheFile, writeCacheFile } from "../cacheFile.ts";
import { CacheContentError, DataDir } from "../dataDir.ts";
import { compileModel } from "../../phase/compileModel.ts";
import { tinyMlp } from "../../dnn-lib/models/tiny.ts";
import { ServedModel } from "../../claim/ServedModel.ts";
import { ClaimCache } from "../claimCache.ts";
import { SLOT_DEPTH } from "../../commitment/slotTree.ts";
import { NodeTraces } from "../nodeTraces.ts";
import { decodeTrace, encodeTrace } from "../traceCodec.ts";
import { captureLogs } from "./captureLogs.ts";

// The data directory is a cache: files are whole or rejected (magic, version, kind/key, checksum,
// then the content's own checks), a rejected file is logged and rebuilt, never trusted or fatal.

const tmp = () => mkdtempSync(join(tmpdir(), "opml-datadir-"));

test("a cache file round-trips, and the write leaves no temporary file behind", () => {
  const dir = tmp();
  const f = join(dir, "sub", "a.bin");
  writeCacheFile(f, "k", "key1", Uint8Array.of(1, 2, 3));
  assert.deepEqual([...readCacheFile(f, "k", "key1")], [1, 2, 3]);
  assert.deepEqual(readdirSync(join(dir, "sub")), ["a.bin"]);
});

test("a flipped payload byte, a truncated file, another key and another format version are each refused with their problem", () => {
  const dir = tmp();
  const f = join(dir, "a.bin");
  writeCacheFile(f, "k", "key1", new Uint8Array(100).fill(7));
  const good = readFileSync(f);
  const problem = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof CacheFileError);
      return e.problem;
    }
    return "accepted";
  };
  const flipped = Buffer.from(good);
  flipped[flipped.length - 1]! ^= 1;
  writeFileSync(f, flipped);
  assert.equal(
    problem(() => readCacheFile(f, "k", "key1")),
    "corrupt",
  );
  writeFileSync(f, good.subarray(0, good.length - 10));
  assert.equal(
    problem(() => readCacheFile(f, "k", "key1")),
    "corrupt",
  );
  writeFileSync(f, good);
  assert.equal(
    problem(() => readCacheFile(f, "k", "key2")),
    "stale",
  );
  assert.equal(
    problem(() => readCacheFile(f, "other", "key1")),
    "stale",
  );
  writeFileSync(f, Buffer.from(good.toString("latin1").replace('"version":1', '"version":0'), "latin1"));
  assert.equal(
    problem(() => readCacheFile(f, "k", "key1")),
    "version",
  );
  assert.equal(
    problem(() => readCacheFile(join(dir, "none.bin"), "k", "key1")),
    "missing",
  );
});

test("DataDir.load logs a rejected file, deletes it and answers undefined; content the decoder refuses is rejected too", () => {
  const { lines, logger } = captureLogs();
  const d = new DataDir(tmp(), logger);
  d.save("x.bin", "k", "key", Uint8Array.of(9));
  assert.equal(
    d.load("x.bin", "k", "key", (p) => p[0]),
    9,
  );
  assert.equal(
    d.load("x.bin", "k", "key", () => {
      throw new CacheContentError("not what was saved");
    }),
    undefined,
  );
  assert.ok(lines.some((l) => l.msg === "cache file rejected; rebuilding it" && l.problem === "invalid content"));
  assert.equal(
    d.load("x.bin", "k", "key", (p) => p[0]),
    undefined,
    "the rejected file was removed",
  );
  assert.equal(lines.filter((l) => l.level === 40).length, 1, "a missing file is not a warning");
});

test("a node's VM trace survives encode/decode: every state hash and the final one are the recorded run's", async () => {
  const served = await ServedModel.create(await compileModel(tinyMlp()));
  const input = new Uint8Array(served.compiled.commitment.inputLength).map((_, i) => i * 11);
  const claim = served.claim(input);
  const traces = new NodeTraces();
  const t = await traces.trace(served, claim, 1);
  assert.ok(t.snapshots.length > 2, "several snapshots");
  const { program, options } = await served.nodeMachine(claim, 1);
  const back = decodeTrace(encodeTrace(t), program, options);
  for (const k of [0, 1, 255, 256, 257, t.finalSteps - 1, t.finalSteps]) {
    assert.equal(bytesToHex(back.stateHashAt(k)), bytesToHex(t.stateHashAt(k)), `state after ${k} steps`);
  }
  // A trace restored over another node's machine does not reach the stored final state.
  const other = await served.nodeMachine(claim, 0);
  assert.throws(() => decodeTrace(encodeTrace(t), other.program, other.options), CacheContentError);
});

test("traces and claims persisted in a data directory are reused by a fresh process; corrupt ones are recomputed", async () => {
  const served = await ServedModel.create(await compileModel(tinyMlp()));
  const input = new Uint8Array(served.compiled.commitment.inputLength).map((_, i) => i * 3 + 1);
  const root = tmp();
  const { lines, logger } = captureLogs();
  const claims1 = new ClaimCache(new DataDir(root, logger));
  const claim = claims1.get(served, input, "honest", () => served.claim(input));
  const traces1 = new NodeTraces(new DataDir(root, logger));
  const h = bytesToHex((await traces1.trace(served, claim, 2)).stateHashAt(100));
  assert.deepEqual(
    [claims1.stats, traces1.stats],
    [
      { computed: 1, loaded: 0 },
      { recorded: 1, loaded: 0 },
    ],
  );

  // A fresh process with the same directory: both come from disk.
  const claims2 = new ClaimCache(new DataDir(root, logger));
  const again = claims2.get(served, input, "honest", () => assert.fail("recomputed a cached claim"));
  assert.deepEqual(again.states, claim.states);
  const traces2 = new NodeTraces(new DataDir(root, logger));
  assert.equal(bytesToHex((await traces2.trace(served, again, 2)).stateHashAt(100)), h);
  assert.deepEqual(
    [claims2.stats, traces2.stats],
    [
      { computed: 0, loaded: 1 },
      { recorded: 0, loaded: 1 },
    ],
  );
  // The same input under another variant (a demo lie) is another entry.
  claims2.get(served, input, "lie@1", () => served.claim(input, { lieAtNode: 1 }));
  assert.equal(claims2.stats.computed, 1);

  // Corrupt every file: a third process rebuilds both and logs why.
  for (const sub of ["l1", "l2"]) {
    for (const f of readdirSync(join(root, sub))) {
      const p = join(root, sub, f);
      const b = readFileSync(p);
      b[b.length - 5]! ^= 0xff;
      writeFileSync(p, b);
    }
  }
  const claims3 = new ClaimCache(new DataDir(root, logger));
  const rebuilt = claims3.get(served, input, "honest", () => served.claim(input));
  assert.deepEqual(rebuilt.states, claim.states);
  const traces3 = new NodeTraces(new DataDir(root, logger));
  assert.equal(bytesToHex((await traces3.trace(served, rebuilt, 2)).stateHashAt(100)), h);
  assert.deepEqual([claims3.stats.computed, traces3.stats.recorded], [1, 1]);
  assert.ok(lines.filter((l) => l.msg === "cache file rejected; rebuilding it" && l.problem === "corrupt").length >= 2);
});

test("a cached claim whose output slot proof is not SLOT_DEPTH siblings long (a shallower tree's) is recomputed", async () => {
  const served = await ServedModel.create(await compileModel(tinyMlp()));
  const input = new Uint8Array(served.compiled.commitment.inputLength).map((_, i) => i + 7);
  const root = tmp();
  const { lines, logger } = captureLogs();
  const claim = new ClaimCache(new DataDir(root, logger)).get(served, input, "honest", () => served.claim(input));
  assert.equal(claim.outputSlotProof.length, SLOT_DEPTH);
  const [file] = readdirSync(join(root, "l1"));
  const body = {
    ...claim,
    outputSlotProof: claim.outputSlotProof.slice(0, 20),
    activations: claim.activations.map((a) => bytesToHex(a)),
  };
  const key = ClaimCache.key(served, input, "honest");
  new DataDir(root, logger).save(`l1/${file}`, "level1-claim", key, new TextEncoder().encode(JSON.stringify(body)));
  const claims = new ClaimCache(new DataDir(root, logger));
  assert.deepEqual(
    claims.get(served, input, "honest", () => served.claim(input)).outputSlotProof,
    claim.outputSlotProof,
  );
  assert.deepEqual(claims.stats, { computed: 1, loaded: 0 });
  const rejected = lines.find((l) => l.msg === "cache file rejected; rebuilding it");
  assert.equal(rejected?.problem, "invalid content");
  assert.match(JSON.stringify(rejected), new RegExp(`output slot proof of ${SLOT_DEPTH} siblings`));
});
