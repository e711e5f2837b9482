/**
 * Staleness check of the on-chain verifier's generated constants: contracts/src/vm/VmLayout.sol must
 * be exactly what docs/protocol.md §5 and the opcode table generate (vm/tools/genLayout.ts, which
 * also writes vm/layout.ts), with the same constants as vm/layout.ts. (The verifier's golden
 * vectors are checked current, and replayed, by vm/test/goldenVectors.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { layout as L } from "../vm/index.ts";
import { DOC, SOL_OUT, generateLayoutSol } from "../vm/tooling.ts";

test("contracts/src/vm/VmLayout.sol is exactly what docs/protocol.md §5 and the opcode table generate", () => {
  assert.equal(readFileSync(SOL_OUT, "utf8"), generateLayoutSol(readFileSync(DOC, "utf8")));
});

/** The constants VmLayout.sol declares: name → value as written. */
function solidityConstants(): Map<string, string> {
  const text = readFileSync(SOL_OUT, "utf8");
  return new Map([...text.matchAll(/constant (\w+) =\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

test("the Solidity layout has every constant of vm/layout.ts, with the same value", () => {
  const rows = solidityConstants();
  const ts = Object.entries(L).filter(([name]) => !name.startsWith("WASM_")); // compiled away: TypeScript only
  assert.ok(ts.length > 40);
  for (const [name, value] of ts) {
    const sol = rows.get(name);
    assert.ok(sol !== undefined, `${name} missing from VmLayout.sol`);
    if (Array.isArray(value))
      assert.equal(sol, `hex"${value.map((v: number) => v.toString(16).padStart(2, "0")).join("")}"`, name);
    else assert.equal(typeof value === "string" ? JSON.parse(sol) : Number(sol), value, name);
  }
  // Solidity only: the verifier's packed load and store lookups
  assert.deepEqual(
    [...rows.keys()].filter((n) => !(n in L)),
    ["LOAD_SPECS", "STORE_WIDTHS"],
  );
});

test("a changed protocol table changes the generated Solidity (the check can fail)", () => {
  const doc = readFileSync(DOC, "utf8");
  const changed = doc.replace("| `MEM_DEPTH`         | 30 ", "| `MEM_DEPTH`         | 31 ");
  assert.notEqual(changed, doc);
  assert.notEqual(generateLayoutSol(changed), generateLayoutSol(doc));
});
