import { OpmlError } from "../../common/errors.ts";

/** An s-expression of a .wast script: an atom, a string literal (raw bytes) or a list with its source span. */
export type SExpr =
  | { kind: "atom"; value: string }
  | { kind: "string"; bytes: Uint8Array }
  | { kind: "list"; items: SExpr[]; start: number; end: number };

export class WastSyntaxError extends OpmlError {
  override name = "WastSyntaxError";
}

const HEX = /^[0-9a-fA-F]{2}$/;

function readString(src: string, i: number, out: number[]): number {
  // src[i] is the opening quote; returns the index after the closing quote.
  const enc = new TextEncoder();
  i++;
  while (i < src.length && src[i] !== '"') {
    const c = src[i];
    if (c !== "\\") {
      const cp = src.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const n = src.charAt(i + 1);
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, "'": 39, "\\": 92 };
    const escaped = simple[n];
    if (escaped !== undefined) {
      out.push(escaped);
      i += 2;
    } else if (n === "u") {
      const close = src.indexOf("}", i);
      const cp = parseInt(src.slice(i + 3, close).replace(/_/g, ""), 16);
      out.push(...enc.encode(String.fromCodePoint(cp)));
      i = close + 1;
    } else if (HEX.test(src.slice(i + 1, i + 3))) {
      out.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 3;
    } else throw new WastSyntaxError("bad string escape", { details: `at character ${i}` });
  }
  if (i >= src.length) throw new WastSyntaxError("unterminated string literal");
  return i + 1;
}

/** Parses a .wast script into its top-level s-expressions (comments dropped). */
export function parseWast(src: string): SExpr[] {
  const script: { items: SExpr[]; start: number } = { items: [], start: 0 };
  const stack = [script];
  /** The innermost open list: the script itself is never popped. */
  const innermost = () => stack[stack.length - 1]!;
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === ";" && src[i + 1] === ";") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "(" && src[i + 1] === ";") {
      let depth = 1;
      i += 2;
      while (i < src.length && depth > 0) {
        if (src[i] === "(" && src[i + 1] === ";") {
          depth++;
          i += 2;
        } else if (src[i] === ";" && src[i + 1] === ")") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "(") {
      stack.push({ items: [], start: i });
      i++;
    } else if (c === ")") {
      const top = stack.pop();
      const parent = stack[stack.length - 1];
      if (!top || !parent) throw new WastSyntaxError("unbalanced parenthesis", { details: `at character ${i}` });
      parent.items.push({ kind: "list", items: top.items, start: top.start, end: i + 1 });
      i++;
    } else if (c === '"') {
      const bytes: number[] = [];
      i = readString(src, i, bytes);
      innermost().items.push({ kind: "string", bytes: new Uint8Array(bytes) });
    } else if (/\s/.test(c)) i++;
    else {
      let j = i;
      while (j < src.length && !/[\s()";]/.test(src.charAt(j))) j++;
      innermost().items.push({ kind: "atom", value: src.slice(i, j) });
      i = j;
    }
  }
  if (stack.length !== 1) throw new WastSyntaxError("unbalanced parenthesis at end of script");
  return script.items;
}
