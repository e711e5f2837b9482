import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../journal.ts";
import { MAX_FIELD_CHARS } from "../logger.ts";
import { captureLogs } from "./captureLogs.ts";

const dir = () => mkdtempSync(join(tmpdir(), "opml-journal-"));

test("unsettled: a nonce sent with no outcome, with every hash it was bumped to; a failed send, a mined one and a torn line are not", () => {
  const j = new Journal(dir());
  j.append({ action: "submitClaim", requestId: "1", phase: "sending", nonce: 0 });
  j.append({ action: "submitClaim", requestId: "1", phase: "sent", nonce: 0, hash: "0xa" });
  j.append({ action: "submitClaim", requestId: "1", phase: "mined", nonce: 0, hash: "0xa" });
  j.append({ action: "submitClaim", requestId: "2", phase: "sending", nonce: 1 });
  j.append({ action: "submitClaim", requestId: "2", phase: "failed", nonce: 1 });
  j.append({ action: "finalize", requestId: "3", phase: "sending", nonce: 1 });
  j.append({ action: "finalize", requestId: "3", phase: "sent", nonce: 1, hash: "0xb" });
  j.append({ action: "finalize", requestId: "3", phase: "bumped", nonce: 1, hash: "0xc" });
  j.append({ action: "withdraw", phase: "sent" }); // not the pipeline's: no nonce
  appendFileSync(j.file, '{"action":"submitClaim","pha');
  assert.deepEqual(j.unsettled(), [
    { nonce: 1, action: "finalize", requestId: "3", gameId: undefined, hashes: ["0xb", "0xc"] },
  ]);
});

test("the journal rotates past its size, carrying the unsettled transactions; both files stay bounded", () => {
  const j = new Journal(dir(), { maxBytes: 4096 });
  j.append({ action: "move:bisect", gameId: "7", phase: "sending", nonce: 0 });
  j.append({ action: "move:bisect", gameId: "7", phase: "sent", nonce: 0, hash: "0xabc" });
  for (let n = 1; n < 400; n++) {
    j.append({ action: "submitClaim", requestId: String(n), phase: "sending", nonce: n });
    j.append({ action: "submitClaim", requestId: String(n), phase: "sent", nonce: n, hash: "0x1" });
    j.append({ action: "submitClaim", requestId: String(n), phase: "mined", nonce: n, hash: "0x1" });
  }
  assert.ok(statSync(j.file).size <= 4096 + 200, `journal.jsonl is ${statSync(j.file).size} bytes`);
  assert.ok(statSync(j.previousFile).size <= 4096 + 200);
  assert.deepEqual(
    j.unsettled().map((t) => [t.nonce, t.hashes]),
    [[0, ["0xabc"]]],
    "the move in flight survives every rotation",
  );
  assert.ok(j.mined("submitClaim", 399n));
  assert.ok(!j.mined("submitClaim", 1n), "the oldest lines are gone");
});

test("a log line's long fields are cut, an error's stack too; short ones and the error's class are kept", () => {
  const { logger, lines, raw } = captureLogs();
  const err = new RangeError("x".repeat(5000));
  logger.info({ output: `0x${"ab".repeat(4000)}`, nested: { s: "y".repeat(3000) }, short: "ok", err }, "big");
  const l = lines[0]!;
  assert.ok(raw[0]!.length < 6 * MAX_FIELD_CHARS, `line of ${raw[0]!.length} chars`);
  assert.equal(l.short, "ok");
  assert.match(l.output as string, /…\(\d+ more\)$/);
  assert.equal((l.err as { type: string }).type, "RangeError");
  assert.ok((l.err as { message: string }).message.length < MAX_FIELD_CHARS + 20);
});
