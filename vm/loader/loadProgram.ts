import { CodeBuffer } from "./CodeBuffer.ts";
import { compileFunction, type CompiledFunc } from "./compileFunction.ts";
import type { ModuleCompilation } from "./FunctionCompiler.ts";
import { decodeModule } from "./decodeModule.ts";
import { boundExpansion } from "./boundExpansion.ts";
import type { WasmModule } from "./WasmModule.ts";
import { OP_CALL, OP_HALT } from "../layout.ts";

/** A module compiled to flat code, ready to instantiate. */
export interface Program {
  module: WasmModule;
  /** Flat instructions, four int32 words each: [op, a, b, c]. */
  code: Int32Array;
  /** Function records, four int32 words each: [entryPc, typeId, nparams, frameSize]. */
  funcRecords: Int32Array;
  funcs: CompiledFunc[];
  /** pc of the stub [CALL f, HALT] for every exported function (and the start function). */
  boot: Map<number, number>;
  /** pc of the stub [CALL start, CALL f, HALT] for every exported function, when there is a start function. */
  bootWithStart: Map<number, number>;
  /** How often each WASM opcode byte occurs in the module's code (its instruction mix). */
  opcodeCounts: Uint32Array;
}

/** Canonical type id of each type index: the first structurally equal type's index. */
function canonicalTypes(m: WasmModule): number[] {
  const seen = new Map<string, number>();
  return m.types.map((t, i) => {
    const key = `${t.params.join(",")}>${t.results.join(",")}`;
    if (!seen.has(key)) seen.set(key, i);
    return seen.get(key)!;
  });
}

/** Parses, validates and compiles a WASM binary. Throws WasmLoadError subclasses on bad input. */
export function loadProgram(bytes: Uint8Array): Program {
  const m = decodeModule(bytes);
  boundExpansion(m);
  const canon = canonicalTypes(m);
  const code = new CodeBuffer();
  const mc: ModuleCompilation = { canonicalType: canon, callFixups: [], opcodeCounts: new Uint32Array(256) };
  const funcs: CompiledFunc[] = [];
  for (let f = 0; f < m.funcTypes.length; f++) funcs.push(compileFunction(m, f, code, mc));

  // decodeModule checked each function's type index, and the export and start indices below
  // against the functions, of which `funcs` has one each.
  const funcRecords = new Int32Array(funcs.length * 4);
  funcs.forEach((f, i) => funcRecords.set([f.entryPc, canon[m.funcTypes[i]!]!, f.nparams, f.frameSize], i * 4));
  const emitCall = (i: number) => {
    const f = funcs[i]!;
    return code.emit(OP_CALL, f.entryPc, f.nparams, f.frameSize);
  };

  const boot = new Map<number, number>();
  const bootWithStart = new Map<number, number>();
  const exported = new Set<number>();
  for (const e of m.exports.values()) if (e.kind === "func") exported.add(e.index);
  if (m.start !== null) exported.add(m.start);
  for (const f of [...exported].sort((a, b) => a - b)) {
    boot.set(f, emitCall(f));
    code.emit(OP_HALT);
    if (m.start !== null) {
      bootWithStart.set(f, emitCall(m.start));
      emitCall(f);
      code.emit(OP_HALT);
    }
  }
  const words = code.finish();
  for (const pc of mc.callFixups) {
    const f = funcs[words[pc * 4 + 1]!]!; // a call's `a` is its callee's index, checked by call()
    words[pc * 4 + 1] = f.entryPc;
    words[pc * 4 + 2] = f.nparams;
    words[pc * 4 + 3] = f.frameSize;
  }
  return { module: m, code: words, funcRecords, funcs, boot, bootWithStart, opcodeCounts: mc.opcodeCounts };
}
