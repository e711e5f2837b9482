import { test } from "node:test";
import assert from "node:assert/strict";
import { renameExports } from "../component/renameExports.ts";
import { kernelBytes } from "../src/kernels.ts";
import { DnnBuildError } from "../src/errors.ts";

test("renameExports gives exports canonical-ABI names (':' and '#') and leaves the module otherwise valid", async () => {
  const wasm = await kernelBytes("vm");
  const renamed = renameExports(wasm, { run: "opml:dnn/kernels@0.1.0#run" });
  const m = await WebAssembly.compile(new Uint8Array(renamed));
  assert.deepEqual(
    WebAssembly.Module.exports(m)
      .map((e) => e.name)
      .sort(),
    ["memory", "opml:dnn/kernels@0.1.0#run"],
  );
  const inst = await WebAssembly.instantiate(m);
  assert.equal(typeof inst.exports["opml:dnn/kernels@0.1.0#run"], "function");
});

test("renameExports refuses a map naming an export the module lacks, with DnnBuildError naming it", async () => {
  const wasm = await kernelBytes("vm");
  assert.throws(
    () => renameExports(wasm, { run: "a#run", cabi_realloc: "cabi_realloc" }),
    (e: unknown) => e instanceof DnnBuildError && /cabi_realloc/.test(e.message),
  );
});
