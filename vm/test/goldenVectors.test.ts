import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { NAMED, README, VECTOR_DIR, goldenVectors, serialize } from "../tools/goldenVectors.ts";
import { EXECUTED_OPCODES, STATUS_TRAPPED } from "../layout.ts";
import { ACCESS_BYTES, verifyStep } from "../stepProof.ts";
import { hashWitness } from "../witness.ts";

const vectors = goldenVectors();
const bytes = (h: string) => Buffer.from(h.slice(2), "hex");
const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

test("golden vectors cover every flat opcode a program's steps execute, traps included", () => {
  for (const op of EXECUTED_OPCODES) {
    const file = `op_0x${op.toString(16).padStart(2, "0")}.json`;
    assert.ok(vectors.has(file), `no vectors for opcode 0x${op.toString(16)}`);
    assert.ok(vectors.get(file)!.length >= 2 || op === 0x00, `only one vector for opcode 0x${op.toString(16)}`);
  }
  const traps = [...vectors.values()].flat().filter((v) => v.postStatus === STATUS_TRAPPED);
  for (const op of [0x00, 0x28, 0x36, 0x6d, 0x7f, 0x11])
    assert.ok(
      traps.some((v) => v.op === op),
      `no trapping vector for opcode 0x${op.toString(16)}`,
    );
  assert.equal(vectors.get("step_cap.json")!.length, 3);
  assert.ok(vectors.get("kernel_dot.json")!.length > 100);
});

test("every named case the forge tests pick is one vector, repeated in named.json", () => {
  const all = [...vectors].filter(([f]) => f !== "named.json").flatMap(([, vs]) => vs);
  for (const [name] of NAMED) assert.equal(all.filter((v) => v.name === name).length, 1, name);
  assert.equal(new Set(all.map((v) => v.name)).size, all.length, "vector names are unique");
  assert.deepEqual(
    vectors.get("named.json"),
    NAMED.map(([name]) => all.find((v) => v.name === name)),
  );
});

test("every golden vector verifies with the TypeScript step verifier", () => {
  for (const vs of vectors.values())
    for (const v of vs) {
      assert.equal(v.proof.length, 2 + 2 * v.accesses * ACCESS_BYTES, v.name);
      assert.equal(hex(hashWitness(bytes(v.preWitness))), v.preStateHash, `${v.name} pre-state hash`);
      assert.equal(hex(verifyStep(bytes(v.preWitness), bytes(v.proof))), v.postStateHash, v.name);
      assert.equal(bytes(v.postStateHash)[0], v.postStatus, `${v.name} status`);
    }
});

test(
  "committed golden vectors in contracts/test/vectors/vm are current",
  { skip: !existsSync(VECTOR_DIR) && "not generated" },
  () => {
    const committed = readdirSync(VECTOR_DIR).filter((f) => f.endsWith(".json"));
    assert.deepEqual(committed.sort(), [...vectors.keys()].sort(), "the files are the pipeline's");
    assert.equal(readFileSync(join(VECTOR_DIR, "README.md"), "utf8"), README, "README.md is stale");
    for (const [file, vs] of vectors)
      assert.equal(
        readFileSync(join(VECTOR_DIR, file), "utf8"),
        serialize(vs),
        `${file} is stale: run npx tsx vm/tools/goldenVectors.ts`,
      );
  },
);
