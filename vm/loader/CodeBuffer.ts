import { MAX_CODE } from "../layout.ts";
import { WasmUnsupportedError } from "../errors.ts";

/** A growable stream of flat instructions, four int32 words each: [op, a, b, c]. */
export class CodeBuffer {
  words = new Int32Array(1024);
  /** Number of instructions emitted; the pc of the next one. */
  pc = 0;

  emit(op: number, a = 0, b = 0, c = 0): number {
    if (this.pc >= MAX_CODE)
      throw new WasmUnsupportedError(`program too large: more than ${MAX_CODE} flat instructions`, 0);
    if ((this.pc + 1) * 4 > this.words.length) {
      const next = new Int32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    const w = this.pc * 4;
    this.words[w] = op;
    this.words[w + 1] = a;
    this.words[w + 2] = b;
    this.words[w + 3] = c;
    return this.pc++;
  }

  /** Sets word `field` (1 = a, 2 = b, 3 = c) of instruction `pc`. */
  patch(pc: number, field: number, value: number): void {
    this.words[pc * 4 + field] = value;
  }

  finish(): Int32Array {
    return this.words.slice(0, this.pc * 4);
  }
}
