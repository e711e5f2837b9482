import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../config.ts";
import { loadServedModels, parseModelEntries } from "../setup.ts";
import { compileModel } from "../../phase/compileModel.ts";
import { tinyMlp } from "../../dnn-lib/models/tiny.ts";
import { ServedModel } from "../../claim/ServedModel.ts";

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

test("--backend refuses a runner it does not know, naming the choices, before reading any model", async () => {
  const logger = { info: () => undefined } as unknown as Parameters<typeof loadServedModels>[3];
  await assert.rejects(
    loadServedModels({} as Parameters<typeof loadServedModels>[0], "0x0", [`1=${a}`], logger, "cuda"),
    (e: unknown) =>
      e instanceof ConfigError && e.message.includes("unknown backend cuda") && e.message.includes("native, webgpu"),
  );
});

test("--backend webgpu serves the same claim as native: output, S_0 … S_N and the output slot's proof", async () => {
  const compiled = await compileModel(tinyMlp());
  const input = Uint8Array.from({ length: compiled.model.inputLength }, (_, i) => (i * 37) & 0xff);
  const native = (await ServedModel.create(compiled)).claim(input);
  const gpu = (await ServedModel.create(compiled, "webgpu")).claim(input);
  assert.deepEqual(gpu, native);
});
