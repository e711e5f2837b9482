/** The deterministic WASM step VM (docs/protocol.md §5). */
export { loadProgram, type Program } from "./loader/loadProgram.ts";
export { Machine, type MachineOptions, DEFAULT_STEP_LIMIT } from "./Machine.ts";
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
