/**
 * Measures the error of the composite integer operators against their float
 * definitions (docs/fixed-point.md §5): seeded random float rows are quantized,
 * run through the TypeScript reference, dequantized, and compared with the float
 * formula applied to the dequantized input. Errors are in output LSB.
 * Run: npx tsx dnn-lib/tools/measureError.ts
 */
import { softmax } from "../src/reference/softmax.ts";
import { norm } from "../src/reference/norm.ts";
import { expTable, quantizeMultiplier, roundAway } from "../src/tables.ts";
import { Rng } from "../../common/rng.ts";

export interface ErrorRow {
  op: string;
  shape: string;
  maxLsb: number;
  meanLsb: number;
}

function gaussian(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

function quantizeRow(xs: number[]): { q: Int8Array; s: number } {
  const s = Math.max(...xs.map(Math.abs)) / 127 || 1;
  return { q: Int8Array.from(xs, (v) => Math.max(-128, Math.min(127, roundAway(v / s)))), s };
}

function stats(op: string, shape: string, errs: number[]): ErrorRow {
  return { op, shape, maxLsb: Math.max(...errs), meanLsb: errs.reduce((a, b) => a + b, 0) / errs.length };
}

export function measureErrors(rows = 64): ErrorRow[] {
  const out: ErrorRow[] = [];
  for (const [L, spread] of [
    [16, 2],
    [128, 4],
    [1024, 8],
  ] as const) {
    const rng = new Rng(L);
    const errs: number[] = [];
    for (let r = 0; r < rows; r++) {
      const { q, s } = quantizeRow(Array.from({ length: L }, () => spread * gaussian(rng)));
      const y = softmax(q, expTable(s), 1, L);
      const deq = Array.from(q, (v) => v * s);
      const mx = Math.max(...deq);
      const e = deq.map((v) => Math.exp(v - mx));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((ei, i) => errs.push(Math.abs(y[i]! - (127 * ei) / sum)));
    }
    out.push(stats("softmax", `L = ${L}, logits σ = ${spread}`, errs));
  }
  for (const mode of [0, 1]) {
    for (const D of [64, 768]) {
      const rng = new Rng(D + mode);
      const errs: number[] = [];
      const sOut = 4 / 127; // normalized values in [-4, 4]
      const sGamma = 1 / 64; // gamma = 1 is q = 64
      const { m, s } = quantizeMultiplier((2 ** -12 * sGamma) / sOut);
      for (let r = 0; r < rows; r++) {
        const { q } = quantizeRow(Array.from({ length: D }, () => 3 + gaussian(rng)));
        const y = norm(q, new Int8Array(D).fill(64), new Int32Array(D), { R: 1, D, mode, eps: 0, m, s });
        const xs = Array.from(q); // the scale cancels in a norm
        const mean = mode === 0 ? xs.reduce((a, b) => a + b, 0) / D : 0;
        const sd = Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / D);
        xs.forEach((v, i) => errs.push(Math.abs(y[i]! - Math.max(-128, Math.min(127, (v - mean) / sd / sOut)))));
      }
      out.push(stats(mode === 0 ? "layernorm" : "rmsnorm", `D = ${D}, gamma = 1, out scale 4/127`, errs));
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("| op | rows | max error (LSB) | mean error (LSB) |\n| -- | ---- | --------------- | ---------------- |");
  for (const r of measureErrors())
    console.log(`| ${r.op} | ${r.shape} | ${r.maxLsb.toFixed(3)} | ${r.meanLsb.toFixed(3)} |`);
}
