/** Names of the WASM opcodes the VM refuses, for error messages. */

const FLOAT_MEMORY: Record<number, string> = {
  0x2a: "f32.load",
  0x2b: "f64.load",
  0x38: "f32.store",
  0x39: "f64.store",
  0x43: "f32.const",
  0x44: "f64.const",
};

/** Returns a description of a refused single-byte opcode, or null if the byte is not one. */
export function refusedOpcode(op: number): string | null {
  if (op in FLOAT_MEMORY) return `floating point: ${FLOAT_MEMORY[op]} (0x${op.toString(16)})`;
  if (op >= 0x5b && op <= 0x66) return `floating point: comparison opcode 0x${op.toString(16)}`;
  if (op >= 0x8b && op <= 0xa6) return `floating point: arithmetic opcode 0x${op.toString(16)}`;
  if ((op >= 0xa8 && op <= 0xab) || (op >= 0xae && op <= 0xbf))
    return `floating point: conversion opcode 0x${op.toString(16)}`;
  if (op >= 0x06 && op <= 0x0a) return `exception handling: opcode 0x${op.toString(16)}`;
  if (op === 0x12 || op === 0x13) return `tail calls: opcode 0x${op.toString(16)}`;
  if (op === 0x25 || op === 0x26) return `reference types: table.${op === 0x25 ? "get" : "set"} (0x${op.toString(16)})`;
  if (op >= 0xd0 && op <= 0xd6) return `reference types: opcode 0x${op.toString(16)}`;
  if (op === 0xfd) return "SIMD: 0xfd prefix";
  if (op === 0xfe) return "threads: 0xfe prefix";
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

/** Describes a 0xfc-prefixed opcode (all refused). */
export function refusedFcOpcode(sub: number): string {
  const name = FC_NAMES[sub] ?? `unknown 0xfc ${sub}`;
  const feature = sub < 8 ? "floating point" : sub < 12 ? "bulk memory" : "reference types";
  return `${feature}: ${name} (0xfc ${sub})`;
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
