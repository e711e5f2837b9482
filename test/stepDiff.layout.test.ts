/**
 * Staleness checks of the on-chain verifier's generated inputs: contracts/src/vm/VmLayout.sol must
 * be exactly what docs/protocol.md §5 generates (contracts/tools/genVmLayout.ts), with the same
 * constants as vm/layout.ts, and contracts/test/vectors/vm.json exactly what the TypeScript VM
 * produces now (contracts/tools/writeVmVectors.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DOC, OUT, generateVmLayout, layoutRows } from "../contracts/tools/genVmLayout.ts";
import { committedText, vectorText } from "../contracts/tools/writeVmVectors.ts";
import * as L from "../vm/layout.ts";

test("contracts/src/vm/VmLayout.sol is exactly what docs/protocol.md §5 generates", () => {
  assert.equal(readFileSync(OUT, "utf8"), generateVmLayout(readFileSync(DOC, "utf8")));
});

test("the Solidity layout has every constant of vm/layout.ts, with the same value", () => {
  const rows = new Map(layoutRows(readFileSync(DOC, "utf8")).map((r) => [r.name, r.value]));
  const ts = Object.entries(L);
  assert.ok(ts.length > 40);
  for (const [name, value] of ts) {
    const sol = rows.get(name);
    assert.ok(sol !== undefined, `${name} missing from VmLayout.sol`);
    assert.equal(typeof value === "string" ? JSON.parse(sol) : Number(sol), value, name);
  }
  assert.equal(rows.size, ts.length);
});

test("a changed protocol table changes the generated Solidity (the check can fail)", () => {
  const doc = readFileSync(DOC, "utf8");
  const changed = doc.replace("| `MEM_DEPTH`         | 30 ", "| `MEM_DEPTH`         | 31 ");
  assert.notEqual(changed, doc);
  assert.notEqual(generateVmLayout(changed), generateVmLayout(doc));
});

test("contracts/test/vectors/vm.json is what the TypeScript VM produces now", { timeout: 120_000 }, () => {
  assert.ok(committedText() === vectorText(), "stale: run `npx tsx contracts/tools/writeVmVectors.ts`");
});
