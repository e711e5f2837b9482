/**
 * The VM-build check: the module must import nothing, have one memory, keep its
 * data segments below the descriptor (0x10000), and use only integer MVP
 * instructions (no float, SIMD, sign-extension, bulk-memory or other post-MVP
 * opcode). The opcode set comes from wabt's `wasm-objdump -d`; the sections are
 * parsed here.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DESC_ADDR } from "./nodeInput.ts";
import { DnnBuildError } from "./errors.ts";

const OBJDUMP = fileURLToPath(new URL("../../node_modules/wabt/bin/wasm-objdump", import.meta.url));

const INT_OPS = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u"];
const CMP_OPS = [
  "eqz",
  "eq",
  "ne",
  "lt_s",
  "lt_u",
  "gt_s",
  "gt_u",
  "le_s",
  "le_u",
  "ge_s",
  "ge_u",
  "clz",
  "ctz",
  "popcnt",
  "rotl",
  "rotr",
];
/** Every instruction of the integer subset of WebAssembly 1.0 (MVP). */
export const ALLOWED_OPCODES: ReadonlySet<string> = new Set([
  ..."unreachable nop block loop if else end br br_if br_table return call call_indirect drop select".split(" "),
  ..."local.get local.set local.tee global.get global.set memory.size memory.grow".split(" "),
  ..."i32.load i64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u".split(" "),
  ..."i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u".split(" "),
  ..."i32.store i64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32".split(" "),
  ..."i32.const i64.const i32.wrap_i64 i64.extend_i32_s i64.extend_i32_u".split(" "),
  ...["i32", "i64"].flatMap((t) => [...INT_OPS, ...CMP_OPS].map((o) => `${t}.${o}`)),
]);

export interface VmBuildReport {
  /** mnemonic → count over the code section */
  opcodes: Map<string, number>;
  imports: number;
  memories: number;
  /** end address of the highest data segment */
  dataEnd: number;
  violations: string[];
}

function leb(b: Uint8Array, at: { p: number }): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    const byte = b[at.p++];
    if (byte === undefined) throw new DnnBuildError("truncated module: a LEB128 number runs past the end");
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) return result;
  }
}

/** Section id → [start, end) of its payload. */
function sections(wasm: Uint8Array): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  const at = { p: 8 };
  while (at.p < wasm.length) {
    const id = wasm[at.p++]!; // at.p < wasm.length
    const size = leb(wasm, at);
    if (id !== 0) out.set(id, [at.p, at.p + size]);
    at.p += size;
  }
  return out;
}

function dataEnd(wasm: Uint8Array, range: [number, number] | undefined, violations: string[]): number {
  if (!range) return 0;
  const at = { p: range[0] };
  let end = 0;
  for (let n = leb(wasm, at); n > 0; n--) {
    const flags = leb(wasm, at);
    if (flags !== 0 || wasm[at.p] !== 0x41) {
      violations.push(`data segment with flags ${flags} is not an active segment at an i32.const offset`);
      return end;
    }
    at.p++;
    const offset = leb(wasm, at); // i32.const is signed LEB; offsets here are < 2^31 and positive
    at.p++; // end
    const size = leb(wasm, at);
    at.p += size;
    end = Math.max(end, offset + size);
  }
  return end;
}

export function opcodeHistogram(wasm: Uint8Array): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "opml-objdump-"));
  try {
    const file = join(dir, "m.wasm");
    writeFileSync(file, wasm);
    const text = execFileSync(process.execPath, [OBJDUMP, "-d", file], { encoding: "utf8", maxBuffer: 1 << 28 });
    const hist = new Map<string, number>();
    for (const line of text.split("\n")) {
      const bar = line.indexOf("|");
      if (bar < 0) continue;
      const mnemonic = line
        .slice(bar + 1)
        .trim()
        .split(/\s+/)[0];
      if (!mnemonic || mnemonic.startsWith("local[")) continue;
      hist.set(mnemonic, (hist.get(mnemonic) ?? 0) + 1);
    }
    return hist;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function inspectVmBuild(wasm: Uint8Array): VmBuildReport {
  const violations: string[] = [];
  const secs = sections(wasm);
  const count = (id: number) => {
    const r = secs.get(id);
    return r ? leb(wasm, { p: r[0] }) : 0;
  };
  const imports = count(2);
  const memories = count(5);
  if (imports !== 0) violations.push(`${imports} import(s); the VM build must import nothing`);
  if (memories !== 1) violations.push(`${memories} memories; the VM build must have exactly one`);
  const end = dataEnd(wasm, secs.get(11), violations);
  if (end > DESC_ADDR) violations.push(`data segments reach 0x${end.toString(16)}, past the descriptor at 0x10000`);
  const opcodes = opcodeHistogram(wasm);
  if (opcodes.size === 0) violations.push("no code: wasm-objdump found no instruction");
  for (const op of opcodes.keys())
    if (!ALLOWED_OPCODES.has(op)) violations.push(`opcode ${op} is outside the integer MVP subset`);
  return { opcodes, imports, memories, dataEnd: end, violations };
}

/** Throws a DnnBuildError listing every violation. */
export function checkVmBuild(wasm: Uint8Array): VmBuildReport {
  const report = inspectVmBuild(wasm);
  if (report.violations.length > 0)
    throw new DnnBuildError("the VM build breaks the VM's instruction subset", {
      details: report.violations.join("; "),
    });
  return report;
}

export function formatOpcodeSet(report: VmBuildReport): string {
  return [...report.opcodes.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([op, n]) => `${op} ×${n}`)
    .join(", ");
}
