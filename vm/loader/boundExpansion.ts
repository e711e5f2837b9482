/**
 * The one cheap expansion of the compilation to flat code: each declared local is zeroed by one
 * flat instruction in its function's prologue, so a few bytes (`n` locals of one type) can ask for
 * tens of thousands of instructions. Every other instruction costs at least one byte of the body.
 * This pass sums the local declarations of all bodies before anything is compiled or allocated.
 */
import { ByteReader } from "../../common/ByteReader.ts";
import { WasmUnsupportedError } from "../errors.ts";
import type { WasmModule } from "./WasmModule.ts";

/**
 * Most locals all functions of a module may declare together (a loader resource limit, like
 * MAX_LOCALS per function): 2^22 prologue instructions, 64 MiB of flat code.
 */
export const MAX_MODULE_LOCALS = 1 << 22;

/** Throws WasmUnsupportedError ("program too large") when the module's declared locals pass MAX_MODULE_LOCALS. */
export function boundExpansion(m: WasmModule): void {
  let total = 0;
  for (const [i, body] of m.bodies.entries()) {
    const r = new ByteReader(m.bytes, body.start, body.end);
    try {
      const groups = r.u32("local declaration count");
      for (let g = 0; g < groups; g++) {
        total += r.u32("local count");
        r.byte("local type");
        if (total > MAX_MODULE_LOCALS)
          throw new WasmUnsupportedError(
            `program too large: more than ${MAX_MODULE_LOCALS} locals declared in the module`,
            body.start,
            `reached in function ${i} of ${m.bodies.length}`,
          );
      }
    } catch (e) {
      if (e instanceof WasmUnsupportedError) throw e;
      // A malformed declaration: the function's compilation reports it, with its offset.
    }
  }
}
