import { OpmlError } from "../common/errors.ts";

import { WasmLoadError, WasmMalformedError } from "../common/ByteReader.ts";

export { WasmLoadError, WasmMalformedError };

/** The module is well-formed but fails validation (type mismatch, unknown index, ...). */
export class WasmInvalidError extends WasmLoadError {
  override name = "WasmInvalidError";
}

/**
 * The module uses a feature outside the VM's deterministic subset (floats, SIMD, threads,
 * reference types, imports, multiple memories, bulk memory...). `feature` names it; `instruction`
 * is the refused instruction's mnemonic (or its opcode in hex), when an instruction is refused.
 */
export class WasmUnsupportedError extends WasmLoadError {
  override name = "WasmUnsupportedError";
  readonly feature: string;
  readonly instruction: string | undefined;
  constructor(feature: string, offset: number, details?: string, instruction?: string) {
    super(`unsupported: ${feature}`, offset, details);
    this.feature = feature;
    this.instruction = instruction;
  }
}

/** Instantiation failed: a data or element segment does not fit its memory or table. */
export class WasmInstantiationError extends OpmlError {
  override name = "WasmInstantiationError";
}

/** Misuse of the VM API: unknown export, wrong argument count, bad memory write. */
export class VmUsageError extends OpmlError {
  override name = "VmUsageError";
}
