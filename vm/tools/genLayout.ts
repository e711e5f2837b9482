/**
 * The one generator of the VM's constants, for both languages: the memory map and the state
 * witness from the tables of docs/protocol.md §5.1–5.2 (every row whose first cell is a backticked
 * UPPER_CASE name and whose second cell is a number or a quoted string), and the opcodes from the
 * opcode table (vm/opcodeTable.ts). `npx tsx vm/tools/genLayout.ts` rewrites vm/layout.ts and
 * contracts/src/vm/VmLayout.sol; vm/test/layout.test.ts fails when either is not what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OPCODE_TABLE, flatOpcodesOfKind, type OpcodeSpec } from "../opcodeTable.ts";
import { I64 } from "../loader/WasmModule.ts";

export const DOC = fileURLToPath(new URL("../../docs/protocol.md", import.meta.url));
export const TS_OUT = fileURLToPath(new URL("../layout.ts", import.meta.url));
export const SOL_OUT = fileURLToPath(new URL("../../contracts/src/vm/VmLayout.sol", import.meta.url));

/** One generated constant: its name, its value as written, and what it means. */
export interface LayoutRow {
  name: string;
  value: string;
  meaning: string;
}

/** The text of docs/protocol.md between the heading starting `from` and the next starting `to`. */
function docSection(doc: string, from: string, to: string): string {
  const start = doc.indexOf(from);
  const end = doc.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`docs/protocol.md has no section "${from}" … "${to}"`);
  return doc.slice(start, end);
}

/** The table rows of a document section: cells trimmed, separator rows and non-table lines left out. */
export function tableRows(section: string): string[][] {
  return section
    .split("\n")
    .filter((line) => line.trimStart().startsWith("|") && !/^\|[\s|:-]+\|$/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim()),
    );
}

/** The constants of docs/protocol.md §5.1–5.2 (memory map, state witness, status), in document order. */
export function docLayoutRows(doc: string): LayoutRow[] {
  const rows: LayoutRow[] = [];
  const seen = new Set<string>();
  for (const [first = "", value = "", ...rest] of tableRows(docSection(doc, "### 5.1 ", "### 5.3 "))) {
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(first)?.[1];
    if (!name || !(/^(0x[0-9a-f]+|\d+)$/i.test(value) || /^"[^"]*"$/.test(value))) continue;
    if (seen.has(name)) throw new Error(`constant ${name} defined twice in docs/protocol.md §5`);
    seen.add(name);
    rows.push({
      name,
      value,
      meaning: rest.filter((c) => c !== "").join("; "),
    });
  }
  return rows;
}

/** The flat-instruction table of docs/protocol.md §5.3: constant, op, a, b, c of each row. */
export function docControlRows(doc: string): string[][] {
  return tableRows(docSection(doc, "### 5.3 ", "### 5.4 ")).flatMap(([first = "", ...rest]) =>
    /^`OP_[A-Z_]+`$/.test(first) ? [[first.slice(1, -1), ...rest.slice(0, 4)]] : [],
  );
}

const hex2 = (n: number) => "0x" + n.toString(16).padStart(2, "0");

/** `xs` in runs of `n` (the lines prettier would make of a long array literal). */
function chunks<T>(xs: T[], n: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
}

/** What a table row's constant stands for, for its doc comment. */
function opcodeMeaning(s: OpcodeSpec): string {
  const source = s.wasm === null ? "the VM's own" : `from \`${s.wasm}\``;
  if (!s.flat) return `\`${s.wasm}\`: compiled away by the loader, never executed`;
  if (s.kind === "control") {
    const words = s.fields.map((f, i) => (f ? `${"abc"[i]} = ${f}` : "")).filter((w) => w);
    return `control, ${source}; ${words.length ? words.join(", ") : "no operands"} (docs/protocol.md §5.3)`;
  }
  if (s.kind === "parametric" || s.kind === "variable") return `${s.kind}, ${source}`;
  const types = (ts: number[]) => `[${ts.map((t) => (t === I64 ? "i64" : "i32")).join(", ")}]`;
  const access = s.width ? `, ${s.width} byte${s.width > 1 ? "s" : ""}${s.signed ? " sign-extended" : ""}` : "";
  return `${s.kind}${access}, ${source}: ${types(s.params)} → ${types(s.results)}`;
}

/** Every flat opcode a program's steps execute, ascending (`OP_TABLE_ENTRY` is data, never reached). */
export function executedOpcodes(): number[] {
  return OPCODE_TABLE.filter((s) => s.flat && s.name !== "OP_TABLE_ENTRY").map((s) => s.op);
}

/**
 * Packs a per-opcode byte for the opcodes `first…` of `kind` into one word (byte `op - first`,
 * least significant first; 0 where `op` is not of that kind): the verifier's lookups.
 */
function packed(kind: OpcodeSpec["kind"], byteOf: (s: OpcodeSpec) => number): { first: number; word: bigint } {
  const rows = flatOpcodesOfKind(kind);
  const first = rows[0]?.op;
  if (first === undefined) throw new Error(`no flat opcode of kind ${kind}`);
  let word = 0n;
  for (const s of rows) word |= BigInt(byteOf(s)) << BigInt(8 * (s.op - first));
  return { first, word };
}

/** A load's byte for `LOAD_SPECS`: width (low nibble), 0x10 sign-extended, 0x20 to 64 bits. */
const loadByte = (s: OpcodeSpec) => s.width | (s.signed ? 0x10 : 0) | (s.results[0] === I64 ? 0x20 : 0);

/** Every constant of both generated files, grouped: layout (document), then opcodes (table). */
function allRows(doc: string): { layout: LayoutRow[]; opcodes: LayoutRow[] } {
  const opcodes = OPCODE_TABLE.map((s) => ({ name: s.name, value: hex2(s.op), meaning: opcodeMeaning(s) }));
  return { layout: docLayoutRows(doc), opcodes };
}

/** The text of vm/layout.ts. */
export function generateLayoutTs(doc: string): string {
  const { layout, opcodes } = allRows(doc);
  const lines = [
    "// GENERATED by vm/tools/genLayout.ts from docs/protocol.md §5.1–5.2 and the opcode table",
    "// (vm/opcodeTable.ts) — do not edit; edit those and run `npx tsx vm/tools/genLayout.ts`.",
    "",
  ];
  for (const { name, value, meaning } of [...layout, ...opcodes]) {
    if (meaning) lines.push(`/** ${meaning.replace(/\*\//g, "* /")} */`);
    lines.push(`export const ${name} = ${value};`);
  }
  lines.push(
    "/** Every flat opcode a program's steps execute, ascending (`OP_TABLE_ENTRY` is data, never reached). */",
    "export const EXECUTED_OPCODES: readonly number[] = [",
    ...chunks(executedOpcodes().map(hex2), 19).map((c) => `  ${c.join(", ")},`),
    "];",
  );
  return lines.join("\n") + "\n";
}

/** The text of contracts/src/vm/VmLayout.sol (the same constants; `WASM_*` ones are TypeScript only). */
export function generateLayoutSol(doc: string): string {
  const { layout, opcodes } = allRows(doc);
  const lines = [
    "// SPDX-License-Identifier: MIT",
    "// GENERATED by vm/tools/genLayout.ts from docs/protocol.md §5.1–5.2 and the opcode table",
    "// (vm/opcodeTable.ts) — do not edit; edit those and run `npx tsx vm/tools/genLayout.ts`.",
    "pragma solidity ^0.8.24;",
    "",
    "/// @title VmLayout",
    "/// @notice The VM's constants (docs/protocol.md §5): memory map, state witness, flat opcodes.",
    "library VmLayout {",
  ];
  for (const { name, value, meaning } of [...layout, ...opcodes.filter((r) => r.name.startsWith("OP_"))]) {
    if (meaning) lines.push(`    /// @dev ${meaning.replace(/\s+/g, " ")}`);
    if (value.startsWith('"')) {
      if (value.length - 2 > 32) throw new Error(`${name}: string longer than 32 bytes`);
      lines.push(`    bytes32 internal constant ${name} = ${value};`);
    } else lines.push(`    uint256 internal constant ${name} = ${value};`);
  }
  const loads = packed("load", loadByte);
  const stores = packed("store", (s) => s.width);
  const executed = executedOpcodes()
    .map((op) => op.toString(16).padStart(2, "0"))
    .join("");
  lines.push(
    `    /// @dev Loads from \`OP_I32_LOAD\` (${hex2(loads.first)}): byte \`op - OP_I32_LOAD\` is the width (low nibble),`,
    "    ///      0x10 when sign-extended, 0x20 when the result is i64; 0 for an opcode that is not a load.",
    `    uint256 internal constant LOAD_SPECS = 0x${loads.word.toString(16)};`,
    `    /// @dev Stores from \`OP_I32_STORE\` (${hex2(stores.first)}): byte \`op - OP_I32_STORE\` is the width; 0 for none.`,
    `    uint256 internal constant STORE_WIDTHS = 0x${stores.word.toString(16)};`,
    "    /// @dev Every flat opcode a program's steps execute, one byte each, ascending.",
    "    bytes internal constant EXECUTED_OPCODES =",
    `        hex"${executed}";`,
    "}",
  );
  return lines.join("\n") + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = readFileSync(DOC, "utf8");
  writeFileSync(TS_OUT, generateLayoutTs(doc));
  writeFileSync(SOL_OUT, generateLayoutSol(doc));
  console.log(`wrote ${TS_OUT} and ${SOL_OUT}`);
}
