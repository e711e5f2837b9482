/**
 * JavaScript for one straight-line flat instruction, written to do exactly what `execute.ts`
 * does to the typed arrays, word by word: each word of the frame (locals and operand stack) is a
 * JS variable `x<k>` (word k above 2·fp), and every word the interpreter writes — a popped
 * operand's slot included, since values left above the stack pointer are part of the state — is
 * written to its variable, so writing the variables back gives the interpreter's stack. An
 * instruction that would trap leaves the compiled code before changing anything (`exit`), and
 * the interpreter runs it.
 */
import { CHUNK_SHIFT } from "../syncTree.ts";

/** What an instruction emitter writes into: the block's lines, and the frame words it uses. */
export interface EmitContext {
  lines: string[];
  /** Operand stack height (slots above fp) before the instruction. */
  h: number;
  /** Marks frame word k as used and returns its variable. */
  word(k: number): string;
  /** Marks frame word k as written and returns its variable. */
  set(k: number): string;
  /** Statement that leaves the compiled code before the current instruction (the interpreter runs it). */
  exitHere(): string;
}

const lo = (c: EmitContext, slot: number) => c.word(2 * slot);
const hi = (c: EmitContext, slot: number) => c.word(2 * slot + 1);
const setLo = (c: EmitContext, slot: number) => c.set(2 * slot);
const setHi = (c: EmitContext, slot: number) => c.set(2 * slot + 1);

/** i32 binary operators by opcode: the result expression of `a` and `b` (already int32 when stored). */
const I32_BINARY: Record<number, (a: string, b: string) => string> = {
  0x46: (a, b) => `${a} === ${b} ? 1 : 0`,
  0x47: (a, b) => `${a} !== ${b} ? 1 : 0`,
  0x48: (a, b) => `${a} < ${b} ? 1 : 0`,
  0x49: (a, b) => `${a} >>> 0 < ${b} >>> 0 ? 1 : 0`,
  0x4a: (a, b) => `${a} > ${b} ? 1 : 0`,
  0x4b: (a, b) => `${a} >>> 0 > ${b} >>> 0 ? 1 : 0`,
  0x4c: (a, b) => `${a} <= ${b} ? 1 : 0`,
  0x4d: (a, b) => `${a} >>> 0 <= ${b} >>> 0 ? 1 : 0`,
  0x4e: (a, b) => `${a} >= ${b} ? 1 : 0`,
  0x4f: (a, b) => `${a} >>> 0 >= ${b} >>> 0 ? 1 : 0`,
  0x6a: (a, b) => `(${a} + ${b}) | 0`,
  0x6b: (a, b) => `(${a} - ${b}) | 0`,
  0x6c: (a, b) => `Math.imul(${a}, ${b})`,
  0x71: (a, b) => `${a} & ${b}`,
  0x72: (a, b) => `${a} | ${b}`,
  0x73: (a, b) => `${a} ^ ${b}`,
  0x74: (a, b) => `${a} << ${b}`,
  0x75: (a, b) => `${a} >> ${b}`,
  0x76: (a, b) => `(${a} >>> ${b}) | 0`,
  0x77: (a, b) => `(${a} << (${b} & 31)) | (${a} >>> (32 - (${b} & 31)))`,
  0x78: (a, b) => `(${a} >>> (${b} & 31)) | (${a} << (32 - (${b} & 31)))`,
};

/** i32 unary operators (and the i32 sign extensions). */
const I32_UNARY: Record<number, (a: string) => string> = {
  0x45: (a) => `${a} === 0 ? 1 : 0`,
  0x67: (a) => `Math.clz32(${a})`,
  0x68: (a) => `ctz32(${a})`,
  0x69: (a) => `popcnt32(${a})`,
  0xc0: (a) => `(${a} << 24) >> 24`,
  0xc1: (a) => `(${a} << 16) >> 16`,
};

/** i64 comparisons: the boolean of (alo, ahi) against (blo, bhi), as execute.ts computes it. */
const I64_COMPARE: Record<number, (alo: string, ahi: string, blo: string, bhi: string) => string> = {
  0x51: (al, ah, bl, bh) => `${al} === ${bl} && ${ah} === ${bh}`,
  0x52: (al, ah, bl, bh) => `${al} !== ${bl} || ${ah} !== ${bh}`,
  0x53: (al, ah, bl, bh) => `ltS64(${al}, ${ah}, ${bl}, ${bh})`,
  0x54: (al, ah, bl, bh) => `ltU64(${al}, ${ah}, ${bl}, ${bh})`,
  0x55: (al, ah, bl, bh) => `ltS64(${bl}, ${bh}, ${al}, ${ah})`,
  0x56: (al, ah, bl, bh) => `ltU64(${bl}, ${bh}, ${al}, ${ah})`,
  0x57: (al, ah, bl, bh) => `!ltS64(${bl}, ${bh}, ${al}, ${ah})`,
  0x58: (al, ah, bl, bh) => `!ltU64(${bl}, ${bh}, ${al}, ${ah})`,
  0x59: (al, ah, bl, bh) => `!ltS64(${al}, ${ah}, ${bl}, ${bh})`,
  0x5a: (al, ah, bl, bh) => `!ltU64(${al}, ${ah}, ${bl}, ${bh})`,
};

/** i64 operators computed by an i64.ts helper into `R`: the call, from (alo, ahi, b lo, b hi). */
const I64_HELPER: Record<number, (al: string, ah: string, bl: string, bh: string) => string> = {
  0x7e: (al, ah, bl, bh) => `mul64(${al}, ${ah}, ${bl}, ${bh})`,
  0x86: (al, ah, bl) => `shl64(${al}, ${ah}, ${bl})`,
  0x87: (al, ah, bl) => `shrS64(${al}, ${ah}, ${bl})`,
  0x88: (al, ah, bl) => `shrU64(${al}, ${ah}, ${bl})`,
  0x89: (al, ah, bl) => `rotl64(${al}, ${ah}, ${bl})`,
  0x8a: (al, ah, bl) => `rotl64(${al}, ${ah}, 64 - (${bl} & 63))`,
};

/** Bytes a load or store touches, by opcode. */
export const ACCESS_WIDTH: Record<number, number> = {
  0x28: 4,
  0x29: 8,
  0x2c: 1,
  0x2d: 1,
  0x2e: 2,
  0x2f: 2,
  0x30: 1,
  0x31: 1,
  0x32: 2,
  0x33: 2,
  0x34: 4,
  0x35: 4,
  0x36: 4,
  0x37: 8,
  0x3a: 1,
  0x3b: 2,
  0x3c: 1,
  0x3d: 2,
  0x3e: 4,
};

/** The value a load puts in the low word, and whether it sign-extends into the high word. */
const LOADS: Record<number, [string, boolean]> = {
  0x28: ["view.getInt32(ea, true)", false],
  0x29: ["view.getInt32(ea, true)", false],
  0x2c: ["(mem[ea] << 24) >> 24", false],
  0x2d: ["mem[ea]", false],
  0x2e: ["view.getInt16(ea, true)", false],
  0x2f: ["view.getUint16(ea, true)", false],
  0x30: ["(mem[ea] << 24) >> 24", true],
  0x31: ["mem[ea]", false],
  0x32: ["view.getInt16(ea, true)", true],
  0x33: ["view.getUint16(ea, true)", false],
  0x34: ["view.getInt32(ea, true)", true],
  0x35: ["view.getInt32(ea, true)", false],
};

/** An effective address in `ea` (operand u32 + offset u32), leaving when the access is out of bounds. */
function address(c: EmitContext, slot: number, offset: number, width: number): void {
  const off = offset >>> 0;
  c.lines.push(`ea = (${lo(c, slot)} >>> 0)${off === 0 ? "" : ` + ${off}`};`);
  c.lines.push(`if (ea + ${width} > memBytes) ${c.exitHere()}`);
}

/**
 * Emits one instruction of flow `Next` (scanFunction.ts) at height `c.h` and updates `c.h`.
 * Returns false for an opcode it does not compile (the caller leaves the code before it).
 */
export function emitInstruction(c: EmitContext, op: number, a: number, b: number): boolean {
  const h = c.h;
  const L = c.lines;
  const bin = I32_BINARY[op];
  if (bin) {
    L.push(`${setLo(c, h - 2)} = ${bin(lo(c, h - 2), lo(c, h - 1))};`);
    c.h = h - 1;
    return true;
  }
  const un = I32_UNARY[op];
  if (un) {
    L.push(`${setLo(c, h - 1)} = ${un(lo(c, h - 1))};`);
    return true;
  }
  const cmp = I64_COMPARE[op];
  if (cmp) {
    L.push(`${setLo(c, h - 2)} = ${cmp(lo(c, h - 2), hi(c, h - 2), lo(c, h - 1), hi(c, h - 1))} ? 1 : 0;`);
    L.push(`${setHi(c, h - 2)} = 0;`);
    c.h = h - 1;
    return true;
  }
  const helper = I64_HELPER[op];
  if (helper) {
    L.push(`${helper(lo(c, h - 2), hi(c, h - 2), lo(c, h - 1), hi(c, h - 1))};`);
    L.push(`${setLo(c, h - 2)} = R[0]; ${setHi(c, h - 2)} = R[1];`);
    c.h = h - 1;
    return true;
  }
  const load = LOADS[op];
  if (load) {
    address(c, h - 1, a, ACCESS_WIDTH[op]!);
    L.push(`${setLo(c, h - 1)} = ${load[0]};`);
    if (op === 0x29) L.push(`${setHi(c, h - 1)} = view.getInt32(ea + 4, true);`);
    if (load[1]) L.push(`${setHi(c, h - 1)} = ${lo(c, h - 1)} >> 31;`);
    return true;
  }
  const width = ACCESS_WIDTH[op];
  if (width !== undefined) {
    // A store: address at h - 2, value at h - 1 (an i32 value's high word is zero).
    address(c, h - 2, a, width);
    const v = lo(c, h - 1);
    if (width === 8) L.push(`view.setInt32(ea, ${v}, true); view.setInt32(ea + 4, ${hi(c, h - 1)}, true);`);
    else if (width === 4) L.push(`view.setInt32(ea, ${v}, true);`);
    else if (width === 2) L.push(`view.setInt16(ea, ${v}, true);`);
    else L.push(`mem[ea] = ${v};`);
    L.push(`dirty[ea >>> ${CHUNK_SHIFT}] = 3; dirty[(ea + ${width - 1}) >>> ${CHUNK_SHIFT}] = 3;`);
    c.h = h - 2;
    return true;
  }
  return emitOther(c, op, a, b);
}

/** Variables, constants, parametric instructions, the remaining i32/i64 arithmetic and conversions. */
function emitOther(c: EmitContext, op: number, a: number, b: number): boolean {
  const h = c.h;
  const L = c.lines;
  const pair = (dst: number, src: number) =>
    L.push(`${setLo(c, dst)} = ${lo(c, src)}; ${setHi(c, dst)} = ${hi(c, src)};`);
  switch (op) {
    case 0x1a: // drop
      c.h = h - 1;
      return true;
    case 0x1b: // select: the condition's low word; the second slot is left as it was
      L.push(
        `if (${lo(c, h - 1)} === 0) { ${setLo(c, h - 3)} = ${lo(c, h - 2)}; ${setHi(c, h - 3)} = ${hi(c, h - 2)}; }`,
      );
      c.h = h - 2;
      return true;
    case 0x20:
      pair(h, a);
      c.h = h + 1;
      return true;
    case 0x21:
      pair(a, h - 1);
      c.h = h - 1;
      return true;
    case 0x22:
      pair(a, h - 1);
      return true;
    case 0x23:
      L.push(`${setLo(c, h)} = globals[${2 * a}]; ${setHi(c, h)} = globals[${2 * a + 1}];`);
      c.h = h + 1;
      return true;
    case 0x24:
      L.push(`globals[${2 * a}] = ${lo(c, h - 1)}; globals[${2 * a + 1}] = ${hi(c, h - 1)}; m.globalsDirty = true;`);
      c.h = h - 1;
      return true;
    case 0x3f: // memory.size (memory.grow leaves the compiled code, so pages are fixed here)
      L.push(`${setLo(c, h)} = m.pages; ${setHi(c, h)} = 0;`);
      c.h = h + 1;
      return true;
    case 0x41:
      L.push(`${setLo(c, h)} = ${a | 0}; ${setHi(c, h)} = 0;`);
      c.h = h + 1;
      return true;
    case 0x42:
      L.push(`${setLo(c, h)} = ${a | 0}; ${setHi(c, h)} = ${b | 0};`);
      c.h = h + 1;
      return true;
  }
  return emitDivision(c, op) || emitI64(c, op);
}

/** i32 division and remainder: leave before a trapping one. */
function emitDivision(c: EmitContext, op: number): boolean {
  if (op < 0x6d || op > 0x70) return false;
  const h = c.h;
  const x = lo(c, h - 2);
  const y = lo(c, h - 1);
  const overflow = op === 0x6d ? ` || (${x} === -2147483648 && ${y} === -1)` : "";
  c.lines.push(`if (${y} === 0${overflow}) ${c.exitHere()}`);
  const expr =
    op === 0x6d
      ? `(${x} / ${y}) | 0`
      : op === 0x6e
        ? `((${x} >>> 0) / (${y} >>> 0)) | 0`
        : op === 0x6f
          ? `(${x} % ${y}) | 0`
          : `((${x} >>> 0) % (${y} >>> 0)) | 0`;
  c.lines.push(`${setLo(c, h - 2)} = ${expr};`);
  c.h = h - 1;
  return true;
}

/** The i64 operations written inline in execute.ts, and the conversions. */
function emitI64(c: EmitContext, op: number): boolean {
  const h = c.h;
  const L = c.lines;
  const [al, ah, bl, bh] = [lo(c, h - 2), hi(c, h - 2), lo(c, h - 1), hi(c, h - 1)];
  const [tl, th] = [lo(c, h - 1), hi(c, h - 1)];
  switch (op) {
    case 0x50:
      L.push(`${setLo(c, h - 1)} = (${tl} | ${th}) === 0 ? 1 : 0; ${setHi(c, h - 1)} = 0;`);
      return true;
    case 0x79:
      L.push(`${setLo(c, h - 1)} = ${th} !== 0 ? Math.clz32(${th}) : 32 + Math.clz32(${tl}); ${setHi(c, h - 1)} = 0;`);
      return true;
    case 0x7a:
      L.push(`${setLo(c, h - 1)} = ${tl} !== 0 ? ctz32(${tl}) : 32 + ctz32(${th}); ${setHi(c, h - 1)} = 0;`);
      return true;
    case 0x7b:
      L.push(`${setLo(c, h - 1)} = popcnt32(${tl}) + popcnt32(${th}); ${setHi(c, h - 1)} = 0;`);
      return true;
    case 0x7c:
      L.push(`t = (${al} + ${bl}) | 0;`);
      L.push(`${setHi(c, h - 2)} = (${ah} + ${bh} + (t >>> 0 < ${al} >>> 0 ? 1 : 0)) | 0; ${setLo(c, h - 2)} = t;`);
      c.h = h - 1;
      return true;
    case 0x7d:
      L.push(`t = ${al} >>> 0 < ${bl} >>> 0 ? 1 : 0;`);
      L.push(`${setLo(c, h - 2)} = (${al} - ${bl}) | 0; ${setHi(c, h - 2)} = (${ah} - ${bh} - t) | 0;`);
      c.h = h - 1;
      return true;
    case 0x83:
    case 0x84:
    case 0x85: {
      const o = op === 0x83 ? "&" : op === 0x84 ? "|" : "^";
      L.push(`${setLo(c, h - 2)} = ${al} ${o} ${bl}; ${setHi(c, h - 2)} = ${ah} ${o} ${bh};`);
      c.h = h - 1;
      return true;
    }
    case 0xa7:
      L.push(`${setHi(c, h - 1)} = 0;`);
      return true;
    case 0xac:
    case 0xc4:
      L.push(`${setHi(c, h - 1)} = ${tl} >> 31;`);
      return true;
    case 0xad: // i64.extend_i32_u: the high word is already zero
      return true;
    case 0xc2:
    case 0xc3: {
      const s = op === 0xc2 ? 24 : 16;
      L.push(`${setLo(c, h - 1)} = (${tl} << ${s}) >> ${s}; ${setHi(c, h - 1)} = ${tl} >> 31;`);
      return true;
    }
  }
  return false;
}
