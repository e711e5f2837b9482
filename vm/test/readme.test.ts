import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const VM = fileURLToPath(new URL("..", import.meta.url));

// test/docs.test.ts holds every folder README's file table to its folder; this holds the VM's test
// table to vm/test/, which that check leaves out.
test("vm/README.md's test table names every test file of vm/test/, and only those", () => {
  const readme = readFileSync(join(VM, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("Tests ("));
  const named = [...table.matchAll(/^\| `([^`]+)`\s*\|/gm)].map((m) => m[1]);
  const tests = readdirSync(join(VM, "test"))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `test/${f}`);
  assert.deepEqual(named.sort(), tests.sort());
});
