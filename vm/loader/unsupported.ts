/** Names of the WASM opcodes the VM refuses, for error messages. */

const FLOAT_MEMORY: Record<number, string> = {
  0x2a: "f32.load",
  0x2b: "f64.load",
  0x38: "f32.store",
  0x39: "f64.store",
  0x43: "f32.const",
  0x44: "f64.const",
};

/** A refused instruction: what it is (for the error) and its mnemonic, or its opcode in hex. */
export interface Refusal {
  feature: string;
  instruction: string;
}

/** The refusal of a single-byte opcode, or null if the byte is not one the VM knows to refuse. */
export function refusedOpcode(op: number): Refusal | null {
  const hex = `0x${op.toString(16)}`;
  const refusal = (feature: string, instruction = hex) => ({ feature, instruction });
  if (op in FLOAT_MEMORY) return refusal(`floating point: ${FLOAT_MEMORY[op]} (${hex})`, FLOAT_MEMORY[op]);
  if (op >= 0x5b && op <= 0x66) return refusal(`floating point: comparison opcode ${hex}`);
  if (op >= 0x8b && op <= 0xa6) return refusal(`floating point: arithmetic opcode ${hex}`);
  if ((op >= 0xa8 && op <= 0xab) || (op >= 0xae && op <= 0xbf))
    return refusal(`floating point: conversion opcode ${hex}`);
  if (op >= 0x06 && op <= 0x0a) return refusal(`exception handling: opcode ${hex}`);
  if (op === 0x12 || op === 0x13) return refusal(`tail calls: opcode ${hex}`);
  if (op === 0x25 || op === 0x26) {
    const name = op === 0x25 ? "table.get" : "table.set";
    return refusal(`reference types: ${name} (${hex})`, name);
  }
  if (op >= 0xd0 && op <= 0xd6) return refusal(`reference types: opcode ${hex}`);
  if (op === 0xfd) return refusal("SIMD: 0xfd prefix");
  if (op === 0xfe) return refusal("threads: 0xfe prefix");
  return null;
}

const FC_NAMES = [
  "i32.trunc_sat_f32_s",
  "i32.trunc_sat_f32_u",
  "i32.trunc_sat_f64_s",
  "i32.trunc_sat_f64_u",
  "i64.trunc_sat_f32_s",
  "i64.trunc_sat_f32_u",
  "i64.trunc_sat_f64_s",
  "i64.trunc_sat_f64_u",
  "memory.init",
  "data.drop",
  "memory.copy",
  "memory.fill",
  "table.init",
  "elem.drop",
  "table.copy",
  "table.grow",
  "table.size",
  "table.fill",
];

/** The refusal of a 0xfc-prefixed opcode (all refused). */
export function refusedFcOpcode(sub: number): Refusal {
  const name = FC_NAMES[sub] ?? `unknown 0xfc ${sub}`;
  const feature = sub < 8 ? "floating point" : sub < 12 ? "bulk memory" : "reference types";
  return { feature: `${feature}: ${name} (0xfc ${sub})`, instruction: name };
}

/** Describes a refused value type byte, or null if it is not a known type. */
export function refusedValType(t: number): string | null {
  switch (t) {
    case 0x7d:
      return "floating point: f32 value type";
    case 0x7c:
      return "floating point: f64 value type";
    case 0x7b:
      return "SIMD: v128 value type";
    case 0x70:
      return "reference types: funcref value type";
    case 0x6f:
      return "reference types: externref value type";
    default:
      return null;
  }
}
