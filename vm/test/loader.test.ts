import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../loader/loadProgram.ts";
import { WasmInvalidError, WasmLoadError, WasmMalformedError, WasmUnsupportedError } from "../errors.ts";
import { wat } from "../corpus/wat.ts";

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const bin = (...bytes: number[]) => new Uint8Array([...header, ...bytes]);

function throwsAt<E extends WasmLoadError>(
  bytes: Uint8Array,
  cls: new (...a: any[]) => E,
  offset: number | null,
  pattern: RegExp,
) {
  assert.throws(
    () => loadProgram(bytes),
    (e: unknown) => {
      assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
      if (offset !== null) assert.equal(e.offset, offset, e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe("loader: malformed binaries", () => {
  test("rejects a wrong magic number at offset 0", () => {
    throwsAt(new Uint8Array([0, 0x61, 0x73, 0x6e, 1, 0, 0, 0]), WasmMalformedError, 0, /magic/);
  });
  test("rejects a truncated header", () => {
    throwsAt(new Uint8Array([0, 0x61, 0x73]), WasmMalformedError, 0, /unexpected end/);
  });
  test("rejects a section whose length runs past the end", () => {
    throwsAt(bin(0x01, 0x10, 0x01), WasmMalformedError, 8, /truncated/);
  });
  test("rejects a LEB128 longer than 5 bytes", () => {
    // type section with a count encoded in 6 bytes
    throwsAt(bin(0x01, 0x07, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00), WasmMalformedError, 10, /too long|too large/);
  });
  test("rejects a u32 LEB128 with unused high bits set", () => {
    throwsAt(bin(0x01, 0x05, 0x80, 0x80, 0x80, 0x80, 0x70), WasmMalformedError, 10, /too large/);
  });
  test("rejects a truncated function body", () => {
    const ok = wat(`(module (func (result i32) (i32.const 7)))`);
    throwsAt(ok.subarray(0, ok.length - 2), WasmMalformedError, null, /unexpected end|truncated/);
  });
  test("rejects an unknown opcode naming its offset", () => {
    const ok = wat(`(module (func (i32.const 7) (drop)))`);
    const bad = ok.slice();
    const at = bad.indexOf(0x1a); // the drop
    bad[at] = 0xe0;
    throwsAt(bad, WasmMalformedError, at, /illegal opcode 0xe0/);
  });
  test("rejects an invalid value type byte in a function type, naming its offset", () => {
    // type section: 1 type, func (param 0x7a) -> ()
    throwsAt(bin(0x01, 0x05, 0x01, 0x60, 0x01, 0x7a, 0x00), WasmMalformedError, 13, /malformed value type 0x7a/);
  });
  test("rejects sections out of order", () => {
    throwsAt(bin(0x03, 0x01, 0x00, 0x01, 0x01, 0x00), WasmMalformedError, 11, /out of order/);
  });
});

describe("loader: invalid modules", () => {
  test("rejects a type mismatch naming the function", () => {
    throwsAt(wat(`(module (func (result i32) (i64.const 1)))`), WasmInvalidError, null, /type mismatch.*function 0/);
  });
  test("rejects an unknown local", () => {
    throwsAt(wat(`(module (func (local.get 3) (drop)))`), WasmInvalidError, null, /unknown local 3/);
  });
  test("rejects a branch to an unknown label", () => {
    throwsAt(wat(`(module (func (br 2)))`), WasmInvalidError, null, /unknown label 2/);
  });
  test("rejects a write to an immutable global", () => {
    throwsAt(
      wat(`(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))`),
      WasmInvalidError,
      null,
      /immutable/,
    );
  });
  test("rejects an over-aligned load", () => {
    throwsAt(
      wat(`(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))`),
      WasmInvalidError,
      null,
      /alignment/,
    );
  });
});

describe("loader: the deterministic subset", () => {
  test("rejects a module with f32 opcodes, naming opcode and offset", () => {
    const bytes = wat(`(module (func (result i32) (i32.const 1) (f32.const 1) (drop)))`);
    const at = bytes.indexOf(0x43);
    throwsAt(bytes, WasmUnsupportedError, at, /floating point: f32.const \(0x43\)/);
  });
  test("rejects f64 locals", () => {
    throwsAt(wat(`(module (func (local f64)))`), WasmUnsupportedError, null, /f64 value type/);
  });
  test("rejects SIMD", () => {
    throwsAt(
      wat(`(module (func (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))`),
      WasmUnsupportedError,
      null,
      /SIMD|v128/,
    );
  });
  test("rejects a branch carrying more than MAX_KEEP values (a step's work stays bounded)", () => {
    const five = "(i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)";
    throwsAt(
      wat(`(module (func (result i32 i32 i32 i32 i32) (block (result i32 i32 i32 i32 i32) ${five} (br 0))))`),
      WasmUnsupportedError,
      null,
      /multi-value: a branch or return carrying 5 values/,
    );
    const four = "(i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)";
    loadProgram(wat(`(module (func (result i32 i32 i32 i32) (block (result i32 i32 i32 i32) ${four} (br 0))))`));
  });
  test("rejects imports, naming the import", () => {
    throwsAt(wat(`(module (import "env" "abort" (func)))`), WasmUnsupportedError, null, /imports: "env"."abort"/);
  });
  test("rejects multiple memories", () => {
    throwsAt(wat(`(module (memory 1) (memory 1))`), WasmUnsupportedError, null, /multiple memories/);
  });
  test("rejects shared memory (threads)", () => {
    throwsAt(wat(`(module (memory 1 1 shared))`), WasmUnsupportedError, null, /threads/);
  });
  test("rejects atomics", () => {
    throwsAt(
      wat(`(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))`),
      WasmUnsupportedError,
      null,
      /threads/,
    );
  });
  test("rejects bulk memory instructions", () => {
    throwsAt(
      wat(`(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))`),
      WasmUnsupportedError,
      null,
      /bulk memory: memory.fill/,
    );
  });
  test("rejects externref and a second table", () => {
    throwsAt(wat(`(module (table 1 externref))`), WasmUnsupportedError, null, /externref/);
    throwsAt(wat(`(module (table 1 funcref) (table 1 funcref))`), WasmUnsupportedError, null, /multiple tables/);
  });
  test("rejects saturating float-to-int conversions", () => {
    throwsAt(
      wat(`(module (func (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0))))`),
      WasmUnsupportedError,
      null,
      /f32/,
    );
  });
  test("accepts integer code with a funcref table, globals, data and br_table", () => {
    const p = loadProgram(
      wat(`(module (memory 1 2) (table 2 funcref) (elem (i32.const 0) $f $f)
        (global (mut i64) (i64.const -5)) (data (i32.const 16) "hi")
        (func $f (param i32) (result i32)
          (block (block (br_table 0 1 (local.get 0))) (return (i32.const 1))) (i32.const 2))
        (export "f" (func $f)))`),
    );
    assert.equal(p.funcs.length, 1);
    assert.equal(p.module.datas[0]?.offset, 16);
  });
});

describe("loader: resource bounds", () => {
  /** `funcs` functions of type [] → [], each declaring `locals` i64 locals, as a binary. */
  function manyLocals(funcs: number, locals: number): Uint8Array {
    const leb = (v: number) => {
      const out: number[] = [];
      do {
        let b = v & 0x7f;
        v >>>= 7;
        if (v !== 0) b |= 0x80;
        out.push(b);
      } while (v !== 0);
      return out;
    };
    const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
    const fn = [0x01, ...leb(locals), 0x7e, 0x0b];
    const bodies = Array.from({ length: funcs }, () => [...leb(fn.length), ...fn]).flat();
    return bin(
      ...section(0x01, [0x01, 0x60, 0x00, 0x00]),
      ...section(0x03, [...leb(funcs), ...new Array<number>(funcs).fill(0)]),
      ...section(0x0a, [...leb(funcs), ...bodies]),
    );
  }

  test("a 10.7 KB module of 1,340 functions × 49,999 locals is refused as too large before it is compiled", () => {
    const bytes = manyLocals(1340, 49_999);
    assert.ok(bytes.length < 11_000, `${bytes.length} bytes`);
    throwsAt(bytes, WasmUnsupportedError, null, /program too large: more than 4194304 locals declared/);
  });

  test("locals up to the module bound load, one prologue instruction each", () => {
    const p = loadProgram(manyLocals(80, 49_999));
    assert.ok(p.code.length / 4 >= 80 * 50_000);
  });
});
