/**
 * Rewrites a core module's export section with new names. The component
 * model's canonical-ABI names (`opml:dnn/kernels@0.1.0#run-node`) contain ':'
 * and '#', which an AssemblyScript export cannot; the glue exports plain names
 * and this renames them. Every other section is copied byte for byte.
 */
import { ByteReader } from "../../common/ByteReader.ts";
import { DnnBuildError } from "../src/errors.ts";

const EXPORT_SECTION = 7;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function encodeName(name: string): number[] {
  const bytes = new TextEncoder().encode(name);
  return [...uleb(bytes.length), ...bytes];
}

/** `wasm` with each export named like a key of `names` renamed to its value; every key must be exported. */
export function renameExports(wasm: Uint8Array, names: Readonly<Record<string, string>>): Uint8Array {
  const r = new ByteReader(wasm, 8);
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  const renamed = new Set<string>();
  while (!r.atEnd) {
    const start = r.pos;
    const id = r.byte("section id");
    const size = r.u32("section size");
    const body = r.take(size, "section");
    if (id !== EXPORT_SECTION) {
      parts.push(wasm.subarray(start, r.pos));
      continue;
    }
    const s = new ByteReader(body);
    const count = s.u32("export count");
    const out: number[] = [...uleb(count)];
    for (let i = 0; i < count; i++) {
      const name = s.name("export name");
      const kind = s.byte("export kind");
      const index = s.u32("export index");
      if (name in names) renamed.add(name);
      out.push(...encodeName(names[name] ?? name), kind, ...uleb(index));
    }
    parts.push(Uint8Array.from([EXPORT_SECTION, ...uleb(out.length), ...out]));
  }
  const missing = Object.keys(names).filter((n) => !renamed.has(n));
  if (missing.length > 0)
    throw new DnnBuildError("the core module lacks exports the component needs", { details: missing.join(", ") });
  return Buffer.concat(parts);
}
