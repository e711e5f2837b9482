/**
 * The VM-build check: the dnn-lib VM build must load in the VM, by the VM's own loader (so it
 * imports nothing and uses no float, SIMD or other feature docs/protocol.md §5.5 refuses), have one
 * memory, keep its data segments below the descriptor (0x10000), and use only integer MVP
 * instructions: the opcode table (vm/opcodeTable.ts) names each instruction the loader decoded and
 * the WebAssembly feature it comes from (no sign-extension operators, no typed select). It sits in
 * phase/, above both the VM and the kernel library it joins.
 */
import { wasmOpcode, WasmLoadError, WasmUnsupportedError, loadProgram, type Program } from "../vm/index.ts";
import { DESC_ADDR } from "../dnn-lib/src/nodeInput.ts";
import { DnnBuildError } from "../dnn-lib/src/errors.ts";

export interface VmBuildReport {
  /** The program as the VM loaded it, or null when its loader refused the module. */
  program: Program | null;
  /** mnemonic → count over the code section, as the loader decoded it */
  opcodes: Map<string, number>;
  memories: number;
  /** end address of the highest data segment */
  dataEnd: number;
  violations: string[];
}

const outsideMvp = (instruction: string) => `opcode ${instruction} is outside the integer MVP subset`;

/** Why the loader refused the module: the refused instruction, or the loader's own words. */
function refusal(e: WasmLoadError): string {
  if (e instanceof WasmUnsupportedError && e.instruction) return outsideMvp(e.instruction);
  return `the VM's loader refuses it: ${e.shortMessage}`;
}

/** Every violation of the VM build's rules (none: the build may be run in the VM). */
export function inspectVmBuild(wasm: Uint8Array): VmBuildReport {
  let program: Program;
  try {
    program = loadProgram(wasm);
  } catch (e) {
    if (!(e instanceof WasmLoadError)) throw e;
    return { program: null, opcodes: new Map(), memories: 0, dataEnd: 0, violations: [refusal(e)] };
  }
  const violations: string[] = [];
  const m = program.module;
  const memories = m.memory ? 1 : 0;
  if (memories !== 1) violations.push(`${memories} memories; the VM build must have exactly one`);
  const dataEnd = Math.max(0, ...m.datas.map((d) => d.offset + d.bytes.length));
  if (dataEnd > DESC_ADDR)
    violations.push(`data segments reach 0x${dataEnd.toString(16)}, past the descriptor at 0x10000`);
  const opcodes = new Map<string, number>();
  program.opcodeCounts.forEach((n, op) => {
    if (n === 0) return;
    const spec = wasmOpcode(op)!;
    opcodes.set(spec.wasm!, n);
    if (spec.feature !== "mvp") violations.push(outsideMvp(spec.wasm!));
  });
  if (opcodes.size === 0) violations.push("no code: the module has no instruction");
  return { program, opcodes, memories, dataEnd, violations };
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
