import type { ByteReader } from "../../common/ByteReader.ts";
import { WasmMalformedError, WasmUnsupportedError } from "../errors.ts";
import { refusedValType } from "./unsupported.ts";
import { I32, I64, type ValType } from "./WasmModule.ts";

/** A value type byte: i32 or i64; any other type is refused (floats, SIMD, references) or malformed. */
export function readValType(r: ByteReader, what = "value type"): ValType {
  const at = r.pos;
  const t = r.byte(what);
  if (t === I32 || t === I64) return t;
  const refused = refusedValType(t);
  if (refused) throw new WasmUnsupportedError(refused, at, `in ${what}`);
  throw new WasmMalformedError(`malformed value type 0x${t.toString(16)}: ${what}`, at);
}
