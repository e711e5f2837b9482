import wabtInit from "wabt";

const wabt = await wabtInit();

/** Every wabt feature on: the VM's loader, not the text parser, decides what is refused. */
export const WABT_FEATURES = {
  exceptions: true,
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  threads: true,
  multi_value: true,
  tail_call: true,
  bulk_memory: true,
  reference_types: true,
  memory64: true,
  multi_memory: true,
  extended_const: true,
};

/** Compiles WebAssembly text to a binary with the npm `wabt` package (no validation). */
export function wat(text: string): Uint8Array {
  const mod = wabt.parseWat("inline.wat", text, WABT_FEATURES);
  try {
    mod.resolveNames();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}
