/**
 * The deterministic WASM step VM (docs/protocol.md §5): what code outside vm/ may import (lint
 * refuses a path past it; tests, benches and vector tools also have `tooling.ts`).
 */
export { loadProgram, type Program } from "./loader/loadProgram.ts";
export { Machine, type MachineOptions, type Executor, DEFAULT_STEP_LIMIT } from "./Machine.ts";
export { ProgramJit, COLD, COMPILED, REFUSED } from "./jit/ProgramJit.ts";
export { stateDifference } from "./jit/stateDifference.ts";
export { OPCODE_TABLE, wasmOpcode, flatOpcode, type OpcodeSpec } from "./opcodeTable.ts";
export { step, stepWith } from "./step.ts";
export { Trace, proveNext, type Snapshot, VmInternalError } from "./Trace.ts";
export { verifyStep, encodeStepProof, decodeStepProof, ACCESS_BYTES, type StepProof } from "./stepProof.ts";
export { encodeWitness, decodeWitness, hashWitness, type Registers, WitnessError } from "./witness.ts";
export { StepProofError, type LeafAccess } from "./stepMemory.ts";
export {
  WasmLoadError,
  WasmMalformedError,
  WasmInvalidError,
  WasmUnsupportedError,
  WasmInstantiationError,
  VmUsageError,
} from "./errors.ts";
export * as layout from "./layout.ts";
export * from "./layout.ts";
