import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../config.ts";
import { parseModelEntries } from "../setup.ts";

const dir = mkdtempSync(join(tmpdir(), "opml-models-"));
const a = join(dir, "a.opml");
writeFileSync(a, "x");

test("--models entries become ids and files", () => {
  assert.deepEqual(parseModelEntries([`1=${a}`, `7=${a}`]), [
    { id: 1n, file: a },
    { id: 7n, file: a },
  ]);
});

test("--models refuses, all at once, an entry that is not id=path, an id given twice and a missing file", () => {
  const missing = join(dir, "missing.opml");
  assert.throws(
    () => parseModelEntries([`1=${a}`, `1=${a}`, "mlp.opml", `2=${missing}`]),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.includes("model 1 is given twice") &&
      e.message.includes('"mlp.opml" is not id=path') &&
      e.message.includes(`${missing} (model 2): no such file`) &&
      !/ENOENT|\n\s+at /.test(e.message),
  );
});
