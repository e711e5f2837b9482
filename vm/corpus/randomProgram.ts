/**
 * Seeded random WASM programs in the VM's subset, type-correct by construction, for differential
 * tests against V8: nested blocks, loops with bounded counters, if/else, br_if/br_table, calls and
 * call_indirect, loads/stores of every width (mostly in bounds, sometimes not), globals,
 * memory.grow, and every integer operator of the opcode table (division can trap).
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

class Gen {
  private loops = 0;
  constructor(
    private r: Rng,
    private nglobals: number,
  ) {}

  private local(t: T): string {
    // params 0,1 are i64; locals 2..2+NL-1 i32; 2+NL..2+2NL-1 i64
    if (t === "i64") return String(this.r.pick([0, 1, ...Array.from({ length: NL }, (_, i) => 2 + NL + i)]));
    return String(2 + this.r.int(0, NL - 1));
  }

  private addr(depth: number): string {
    const a = this.expr("i32", depth);
    return this.r.chance(0.97) ? `(i32.and ${a} (i32.const 0x1fff8))` : a;
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
        return `(${t}.${r.pick(BIN)} ${this.expr(t, d)} ${this.expr(t, d)})`;
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
          ? `(call $h32 ${this.expr("i32", d)})`
          : `(call $h64 ${this.expr("i64", d)} ${this.expr("i64", d)})`;
      case 11:
        return t === "i32"
          ? `(call_indirect (type $ii) ${this.expr("i32", d)} (i32.and ${this.expr("i32", d)} (i32.const ${r.pick([3, 3, 3, 7])})))`
          : `(local.tee ${this.local("i64")} ${this.expr("i64", d)})`;
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
      case 5: {
        if (this.loops >= 2 || depth < 2) return `(drop ${this.expr("i64", d)})`;
        this.loops++;
        const c = String(2 + NL - this.loops); // dedicated i32 counter local
        const body = `(local.set ${c} (i32.const ${r.int(1, 6)})) (block (loop (br_if 1 (i32.eqz (local.get ${c}))) ${this.stmts(d, 3).replaceAll(`(local.set ${c} `, "(local.set 2 ").replaceAll(`(local.tee ${c} `, "(local.tee 2 ")} (local.set ${c} (i32.sub (local.get ${c}) (i32.const 1))) (br 0)))`;
        this.loops--;
        return body;
      }
      default:
        return `(drop ${this.expr(r.pick<T>(["i32", "i64"]), d)})`;
    }
  }

  stmts(depth: number, max: number): string {
    return Array.from({ length: this.r.int(0, max) }, () => this.stmt(depth)).join(" ");
  }
}

/** A random module exporting `f(i64, i64) -> i64`, its memory and its globals ("g0", "g1", ...). */
export function randomProgram(seed: number): string {
  const r = new Rng(seed >>> 0 || 1);
  const nglobals = 2;
  const g = new Gen(r, nglobals);
  const locals = `(local ${"i32 ".repeat(NL)}${"i64 ".repeat(NL)})`;
  const globals = Array.from(
    { length: nglobals },
    (_, i) =>
      `(global (export "g${2 * i}") (mut i32) (i32.const ${r.pick(C32)})) (global (export "g${2 * i + 1}") (mut i64) (i64.const ${r.pick(C64)}))`,
  ).join("\n  ");
  const body = `${g.stmts(4, 5)} (i64.add (local.get 0) ${g.expr("i64", 4)})`;
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
  (func $h64 (param i64 i64) (result i64) (i64.xor (i64.mul (local.get 0) (i64.const 0x100000001b3)) (local.get 1)))
  (func (export "f") (param i64 i64) (result i64) ${locals}
    ${body})
)`;
}
