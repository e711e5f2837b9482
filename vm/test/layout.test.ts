import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DOC, TS_OUT, docControlRows, generateLayoutTs } from "../tools/genLayout.ts";
import * as L from "../layout.ts";
import { OPCODE_TABLE, flatOpcodesOfKind } from "../opcodeTable.ts";
import { loadProgram } from "../loader/loadProgram.ts";
import { Machine } from "../Machine.ts";
import { wat } from "../corpus/wat.ts";

test("vm/layout.ts is exactly what docs/protocol.md §5 and the opcode table generate", () => {
  assert.equal(readFileSync(TS_OUT, "utf8"), generateLayoutTs(readFileSync(DOC, "utf8")));
});

const hex2 = (n: number) => "0x" + n.toString(16).padStart(2, "0");

test("the flat-instruction table of docs/protocol.md §5.3 is the opcode table's control rows", () => {
  const control = flatOpcodesOfKind("control").map((s) => [s.name, hex2(s.op), ...s.fields]);
  assert.deepEqual(docControlRows(readFileSync(DOC, "utf8")), control);
});

test("docs/protocol.md §5.3 lists the opcode table's numeric instructions", () => {
  const ops = flatOpcodesOfKind("test", "compare", "unary", "binary", "convert").map((s) => s.op);
  const ranges: string[] = [];
  for (let i = 0; i < ops.length;) {
    let j = i;
    while (j + 1 < ops.length && ops[j + 1] === ops[j]! + 1) j++;
    ranges.push(
      j - i >= 2
        ? `${hex2(ops[i]!)}–${hex2(ops[j]!)}`
        : ops
            .slice(i, j + 1)
            .map(hex2)
            .join(", "),
    );
    i = j + 1;
  }
  const text = readFileSync(DOC, "utf8").replace(/\s+/g, " ");
  assert.ok(text.includes(`the integer numeric instructions ${ranges.join(", ")}`), ranges.join(", "));
});

test("every opcode constant of vm/layout.ts is its opcode table row", () => {
  const named = Object.entries(L).filter(([k]) => k.startsWith("OP_") || k.startsWith("WASM_"));
  assert.deepEqual(new Map(named), new Map(OPCODE_TABLE.map((s) => [s.name, s.op])));
  assert.equal(L.EXECUTED_OPCODES.length, 105);
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
  for (let i = 1; i < regions.length; i++) {
    const [prevBase, prevSize] = regions[i - 1]!;
    assert.ok(prevBase + prevSize <= regions[i]![0], `region ${i} overlaps`);
  }
  const [lastBase, lastSize] = regions[regions.length - 1]!;
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
