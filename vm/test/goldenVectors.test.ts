import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VECTOR_DIR, goldenVectors, serialize } from "../tools/goldenVectors.ts";
import { EXECUTED_OPCODES } from "../layout.ts";
import { verifyStep } from "../stepProof.ts";

const vectors = goldenVectors();

test("golden vectors cover every flat opcode a program's steps execute, traps included", () => {
  for (const op of EXECUTED_OPCODES) {
    const file = `op_0x${op.toString(16).padStart(2, "0")}.json`;
    assert.ok(vectors.has(file), `no vectors for opcode 0x${op.toString(16)}`);
    assert.ok(vectors.get(file)!.length >= 2 || op === 0x00, `only one vector for opcode 0x${op.toString(16)}`);
  }
  const traps = [...vectors.values()].flat().filter((v) => v.postStatus === 2);
  for (const op of [0x00, 0x28, 0x36, 0x6d, 0x7f, 0x11])
    assert.ok(
      traps.some((v) => v.op === op),
      `no trapping vector for opcode 0x${op.toString(16)}`,
    );
  assert.ok(vectors.get("kernel_dot.json")!.length > 100);
});

test("every golden vector verifies with the TypeScript step verifier", () => {
  for (const vs of vectors.values())
    for (const v of vs)
      assert.equal(
        "0x" +
          Buffer.from(
            verifyStep(Buffer.from(v.preWitness.slice(2), "hex"), Buffer.from(v.proof.slice(2), "hex")),
          ).toString("hex"),
        v.postStateHash,
        v.case,
      );
});

test(
  "committed golden vectors in contracts/test/vectors/vm are current",
  { skip: !existsSync(VECTOR_DIR) && "not generated" },
  () => {
    for (const [file, vs] of vectors)
      assert.equal(
        readFileSync(join(VECTOR_DIR, file), "utf8"),
        serialize(vs),
        `${file} is stale: run npx tsx vm/tools/goldenVectors.ts`,
      );
  },
);
