/**
 * Seeded random WASM programs in the VM's subset, type-correct by construction, for differential
 * tests against V8: nested blocks, loops with bounded counters, if/else, br_if/br_table, calls and
 * call_indirect, loads/stores of every width (mostly in bounds, sometimes not), globals,
 * memory.grow, and every integer operator of the opcode table (division can trap).
 *
 * Two sizes: `randomProgram` runs tens of steps (small enough to check at every step);
 * `randomLongProgram` runs thousands to hundreds of thousands: a loop nest three deep with longer
 * counts and memory traffic on the counters, and a callee with its own loop over memory called
 * from the loops (what the compiled tier turns into JavaScript loops).
 */
import { Rng } from "../../common/rng.ts";
import { flatOpcodesOfKind, type OpcodeKind } from "../opcodeTable.ts";
import { I32, I64, type ValType } from "../loader/WasmModule.ts";

type T = "i32" | "i64";

/** The table's mnemonics of a kind on type `t` (its operand; a load's result, a store's value). */
function names(kind: OpcodeKind, t: ValType, strip: boolean): string[] {
  return flatOpcodesOfKind(kind)
    .filter((s) => (kind === "load" ? s.results[0] : s.params[kind === "store" ? 1 : 0]) === t)
    .map((s) => (strip ? s.wasm!.slice(4) : s.wasm!));
}
const BIN = names("binary", I32, true);
const CMP = names("compare", I32, true);
const UN32 = names("unary", I32, true);
const UN64 = names("unary", I64, true);
const LOAD32 = names("load", I32, false);
const LOAD64 = names("load", I64, false);
const STORE32 = names("store", I32, false);
const STORE64 = names("store", I64, false);
const C32 = ["0", "1", "-1", "2", "7", "31", "32", "0x7fffffff", "-0x80000000", "0xff", "0x10000"];
const C64 = ["0", "1", "-1", "3", "63", "64", "0x7fffffffffffffff", "-0x8000000000000000", "0xffffffff", "0x100000000"];

/** Number of i32 and i64 locals each generated function declares (after its two i64 params). */
const NL = 4;

/** Most loops nested (a dedicated counter local each), and the range of a loop's count. */
interface LoopShape {
  depth: number;
  count: [number, number];
  /**
   * Long programs: each loop body also stores and loads at an address of its counter, the callee
   * `$walk` can be called, and a trap (division by zero or overflow, an access out of bounds, a
   * bad table entry) is left in at 2% of the places it could be, so most runs go the distance.
   */
  long: boolean;
}
const SHORT: LoopShape = { depth: 2, count: [1, 6], long: false };
const LONG: LoopShape = { depth: 3, count: [4, 14], long: true };
/** The share of possible traps a long program keeps. */
const LONG_TRAPS = 0.02;

class Gen {
  private loops = 0;
  constructor(
    private r: Rng,
    private nglobals: number,
    private shape: LoopShape = SHORT,
  ) {}

  private local(t: T): string {
    // params 0,1 are i64; locals 2..2+NL-1 i32; 2+NL..2+2NL-1 i64
    if (t === "i64") return String(this.r.pick([0, 1, ...Array.from({ length: NL }, (_, i) => 2 + NL + i)]));
    return String(2 + this.r.int(0, NL - 1));
  }

  private addr(depth: number): string {
    const a = this.expr("i32", depth);
    return this.r.chance(this.shape.long ? 1 - LONG_TRAPS / 10 : 0.97)
      ? `(i32.and ${a} (i32.const ${this.shape.long ? "0xfff8" : "0x1fff8"}))`
      : a;
  }

  expr(t: T, depth: number): string {
    const r = this.r;
    if (depth <= 0 || r.chance(0.2)) {
      return r.chance(0.5)
        ? `(${t}.const ${r.pick(t === "i32" ? C32 : C64)})`
        : r.chance(0.7)
          ? `(local.get ${this.local(t)})`
          : `(global.get ${2 * r.int(0, this.nglobals - 1) + (t === "i64" ? 1 : 0)})`;
    }
    const d = depth - 1;
    switch (r.int(0, 13)) {
      case 0:
      case 1:
      case 2:
        return this.binary(t, d);
      case 3:
        return `(${t}.${r.pick(t === "i32" ? UN32 : UN64)} ${this.expr(t, d)})`;
      case 4: {
        const u = r.pick<T>(["i32", "i64"]);
        const cmp = r.chance(0.15)
          ? `(${u}.eqz ${this.expr(u, d)})`
          : `(${u}.${r.pick(CMP)} ${this.expr(u, d)} ${this.expr(u, d)})`;
        return t === "i32" ? cmp : `(i64.extend_i32_u ${cmp})`;
      }
      case 5:
        return t === "i32"
          ? `(i32.wrap_i64 ${this.expr("i64", d)})`
          : `(i64.extend_i32_${r.pick(["s", "u"])} ${this.expr("i32", d)})`;
      case 6:
        return `(${r.pick(t === "i32" ? LOAD32 : LOAD64)} offset=${r.pick([0, 1, 3, 8, 100])} ${this.addr(d)})`;
      case 7:
        return `(select ${this.expr(t, d)} ${this.expr(t, d)} ${this.expr("i32", d)})`;
      case 8:
        return `(if (result ${t}) ${this.expr("i32", d)} (then ${this.stmts(d, 2)} ${this.expr(t, d)}) (else ${this.expr(t, d)}))`;
      case 9:
        return `(block (result ${t}) ${this.stmts(d, 2)} (br_if 0 ${this.expr(t, d)} ${this.expr("i32", d)}) (drop) ${this.expr(t, d)})`;
      case 10:
        return t === "i32"
          ? this.shape.long && r.chance(0.5)
            ? `(call $walk ${this.expr("i32", d)} (i32.and ${this.expr("i32", d)} (i32.const 63)))`
            : `(call $h32 ${this.expr("i32", d)})`
          : `(call $h64 ${this.expr("i64", d)} ${this.expr("i64", d)})`;
      case 11:
        return t === "i32" ? this.callIndirect(d) : `(local.tee ${this.local("i64")} ${this.expr("i64", d)})`;
      case 12:
        return t === "i32"
          ? r.pick(["(memory.size)", `(memory.grow (i32.and ${this.expr("i32", d)} (i32.const 1)))`])
          : `(i64.const ${r.pick(C64)})`;
      default:
        return `(block $b (result ${t}) (${t}.xor (block $c (result ${t}) (${t}.mul (block $d (result ${t}) (br_table $d $c $b ${this.expr(t, d)} ${this.expr("i32", d)})) (${t}.const 3))) (${t}.const 11)))`;
    }
  }

  stmt(depth: number): string {
    const r = this.r;
    const d = depth - 1;
    switch (r.int(0, 6)) {
      case 0:
      case 1: {
        const t = r.pick<T>(["i32", "i64"]);
        return `(local.set ${this.local(t)} ${this.expr(t, d)})`;
      }
      case 2: {
        const t = r.pick<T>(["i32", "i64"]);
        return `(${r.pick(t === "i32" ? STORE32 : STORE64)} offset=${r.pick([0, 2, 5, 64])} ${this.addr(d)} ${this.expr(t, d)})`;
      }
      case 3: {
        const g = r.int(0, this.nglobals - 1);
        return r.chance(0.5)
          ? `(global.set ${2 * g} ${this.expr("i32", d)})`
          : `(global.set ${2 * g + 1} ${this.expr("i64", d)})`;
      }
      case 4:
        return `(if ${this.expr("i32", d)} (then ${this.stmts(d, 2)}) (else ${this.stmts(d, 2)}))`;
      case 5:
        return this.loop(depth);
      default:
        return `(drop ${this.expr(r.pick<T>(["i32", "i64"]), d)})`;
    }
  }

  private binary(t: T, d: number): string {
    const op = this.r.pick(BIN);
    const [a, b] = [this.expr(t, d), this.expr(t, d)];
    // A long program's divisor is in 1..255 (neither 0 nor -1), but for a few.
    const safe = this.shape.long && /^(div|rem)/.test(op) && !this.r.chance(LONG_TRAPS);
    return `(${t}.${op} ${a} ${safe ? `(${t}.or (${t}.and ${b} (${t}.const 0xff)) (${t}.const 1))` : b})`;
  }

  private callIndirect(d: number): string {
    const [f, i, mask] = [this.expr("i32", d), this.expr("i32", d), this.r.pick([3, 3, 3, 7])];
    // Table slots 0 and 1 hold functions of the right type; 2 the wrong one, 3 up nothing.
    const safe = this.shape.long && !this.r.chance(LONG_TRAPS);
    return `(call_indirect (type $ii) ${f} (i32.and ${i} (i32.const ${safe ? 1 : mask})))`;
  }

  /**
   * A counted loop (its counter a dedicated i32 local the body never writes), or a drop when too
   * deep; `nest` more loops are put inside it, between its random statements.
   */
  loop(depth: number, nest = 0): string {
    const r = this.r;
    const d = depth - 1;
    if (this.loops >= this.shape.depth || depth < 2) return `(drop ${this.expr("i64", d)})`;
    this.loops++;
    const c = String(2 + NL - this.loops); // dedicated i32 counter local
    const count = r.int(...this.shape.count);
    const traffic = this.shape.long
      ? ` (i32.store offset=${4 * this.loops} (i32.shl (local.get ${c}) (i32.const 4)) (i32.add (local.get ${c}) (i32.load offset=${4 * this.loops} (i32.shl (local.get ${c}) (i32.const 4)))))`
      : "";
    const body = `(local.set ${c} (i32.const ${count})) (block (loop (br_if 1 (i32.eqz (local.get ${c}))) ${this.loopBody(d, nest).replaceAll(`(local.set ${c} `, "(local.set 2 ").replaceAll(`(local.tee ${c} `, "(local.tee 2 ")}${traffic} (local.set ${c} (i32.sub (local.get ${c}) (i32.const 1))) (br 0)))`;
    this.loops--;
    return body;
  }

  private loopBody(d: number, nest: number): string {
    return nest > 0 ? `${this.stmts(d, 2)} ${this.loop(d, nest - 1)} ${this.stmts(d, 2)}` : this.stmts(d, 3);
  }

  stmts(depth: number, max: number): string {
    return Array.from({ length: this.r.int(0, max) }, () => this.stmt(depth)).join(" ");
  }
}

/** A random module exporting `f(i64, i64) -> i64`, its memory and its globals ("g0", "g1", ...): tens of steps. */
export function randomProgram(seed: number): string {
  return program(seed, SHORT);
}

/**
 * A random module as `randomProgram`'s, whose `f` runs a loop nest three deep (counts 4–18) after
 * its random statements, with memory traffic and calls in the loops: thousands of steps and more.
 */
export function randomLongProgram(seed: number): string {
  return program(seed, LONG);
}

function program(seed: number, shape: LoopShape): string {
  const r = new Rng(seed >>> 0 || 1);
  const nglobals = 2;
  const g = new Gen(r, nglobals, shape);
  const locals = `(local ${"i32 ".repeat(NL)}${"i64 ".repeat(NL)})`;
  const globals = Array.from(
    { length: nglobals },
    (_, i) =>
      `(global (export "g${2 * i}") (mut i32) (i32.const ${r.pick(C32)})) (global (export "g${2 * i + 1}") (mut i64) (i64.const ${r.pick(C64)}))`,
  ).join("\n  ");
  const nest = shape === LONG ? ` ${g.loop(6, 2)}` : "";
  const body = `${g.stmts(4, 5)}${nest} (i64.add (local.get 0) ${g.expr("i64", 4)})`;
  // The long programs' callee: a loop over memory (loads, a store), its length the caller's.
  const walk =
    shape === LONG
      ? `\n  (func $walk (param $p i32) (param $n i32) (result i32) (local $s i32)
    (block (loop (br_if 1 (i32.eqz (local.get $n)))
      (local.set $s (i32.add (i32.load8_s (i32.and (local.get $p) (i32.const 0x1fff8))) (i32.mul (local.get $s) (i32.const 31))))
      (i32.store16 offset=8 (i32.and (local.get $p) (i32.const 0x1fff0)) (local.get $s))
      (local.set $p (i32.add (local.get $p) (i32.const 3)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br 0)))
    (local.get $s))`
      : "";
  return `(module
  (type $ii (func (param i32) (result i32)))
  (memory (export "memory") 2 4)
  (table 4 funcref)
  (elem (i32.const 0) $h32 $k1 $k2)
  ${globals}
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\f9\\fa\\fb\\fc\\fd\\fe\\ff\\80")
  (func $h32 (type $ii) (i32.add (i32.mul (local.get 0) (i32.const 0x9e3779b1)) (i32.const 7)))
  (func $k1 (type $ii) (i32.rotl (local.get 0) (i32.const 5)))
  (func $k2 (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
  (func $h64 (param i64 i64) (result i64) (i64.xor (i64.mul (local.get 0) (i64.const 0x100000001b3)) (local.get 1)))${walk}
  (func (export "f") (param i64 i64) (result i64) ${locals}
    ${body})
)`;
}
