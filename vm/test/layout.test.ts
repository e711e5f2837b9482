import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DOC, OUT, generateLayout } from "../tools/genLayout.ts";
import * as L from "../layout.ts";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { wat } from "../corpus/wat.ts";

test("vm/layout.ts is exactly what docs/protocol.md §5 generates", () => {
  assert.equal(readFileSync(OUT, "utf8"), generateLayout(readFileSync(DOC, "utf8")));
});

test("memory regions are ordered, disjoint and inside the address space", () => {
  const regions: [number, number][] = [
    [L.LINEAR_BASE, 2 ** 32],
    [L.CODE_BASE, L.MAX_CODE * L.INSTR_BYTES],
    [L.HEADER_ADDR, L.LEAF_BYTES],
    [L.FUNC_BASE, 2 ** 20 * L.FUNC_BYTES],
    [L.TABLE_BASE, 2 ** 26 * L.TABLE_ENTRY_BYTES],
    [L.GLOBAL_BASE, 2 ** 20 * L.SLOT_BYTES],
    [L.CALL_BASE, L.MAX_CALL_DEPTH * L.FRAME_BYTES],
    [L.STACK_BASE, L.STACK_SLOTS * L.SLOT_BYTES],
  ];
  for (let i = 1; i < regions.length; i++)
    assert.ok(regions[i - 1][0] + regions[i - 1][1] <= regions[i][0], `region ${i} overlaps`);
  const [lastBase, lastSize] = regions[regions.length - 1];
  assert.ok(lastBase + lastSize <= 2 ** L.ADDRESS_BITS);
  assert.equal(2 ** L.ADDRESS_BITS, 2 ** L.MEM_DEPTH * L.LEAF_BYTES);
  assert.equal(L.W_STATUS + 1, L.WITNESS_BYTES);
});

test("the program header leaf holds bootPc, maxPages, tableSize, minPages", () => {
  const p = loadProgram(wat(`(module (memory 2 7) (table 3 funcref) (func (export "run")))`));
  const m = Machine.create(p, { entry: "run" });
  const h = new DataView(m.memoryTree().readBytes(L.HEADER_ADDR, 16).buffer);
  assert.deepEqual(
    [0, 4, 8, 12].map((o) => h.getUint32(o, true)),
    [m.pc, 7, 3, 2],
  );
});
