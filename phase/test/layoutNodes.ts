import { Op } from "../../dnn-lib/src/ops.ts";
import type { NodeSpec } from "../../dnn-lib/src/nodeInput.ts";
import type { Rng } from "../../common/rng.ts";

export type LayoutOp = "copy" | "concat" | "slice" | "gather" | "transpose" | "strided";
export const LAYOUT_OPS: readonly LayoutOp[] = ["copy", "concat", "slice", "gather", "transpose", "strided"];

/**
 * The three kinds of shape a layout op's step bound must hold on, by `kind`: 0, many rows of
 * 1 to 3 bytes (or elements); 1, tens of rows of 1 to 200 bytes, the word copies' tails; 2, a few
 * rows of 20,000 to 70,000 odd bytes (transpose and strided: hundreds of rows of hundreds of
 * elements).
 */
type Kind = 0 | 1 | 2;

function rowBytes(r: Rng, kind: Kind): number {
  return kind === 0 ? r.int(1, 3) : kind === 1 ? r.int(1, 200) : r.int(10000, 35000) * 2 + 1;
}
function rowCount(r: Rng, kind: Kind): number {
  return kind === 0 ? r.int(500, 3000) : kind === 1 ? r.int(1, 40) : r.int(1, 3);
}

/** A seeded node of a copy-bound op with shapes of the given kind (see `Kind`). */
export function layoutNode(name: LayoutOp, r: Rng, kind: Kind): NodeSpec {
  switch (name) {
    case "copy": {
      const n = kind === 0 ? r.int(1, 7) : rowBytes(r, kind);
      return { op: Op.copy, inputs: [r.bytes(n)], params: [n] };
    }
    case "concat": {
      const O = rowCount(r, kind),
        A = r.chance(0.2) ? 0 : rowBytes(r, kind),
        B = A > 0 && r.chance(0.2) ? 0 : rowBytes(r, kind);
      return { op: Op.concat, inputs: [r.bytes(O * A), r.bytes(O * B)], params: [O, A, B] };
    }
    case "slice": {
      const O = rowCount(r, kind),
        len = rowBytes(r, kind),
        start = r.int(0, kind === 2 ? 9 : 70),
        I = start + len + r.int(0, 9);
      return { op: Op.slice, inputs: [r.bytes(O * I)], params: [O, I, start, len] };
    }
    case "gather": {
      const V = r.int(1, kind === 2 ? 4 : 50),
        D = rowBytes(r, kind),
        T = rowCount(r, kind);
      const ids = new Uint8Array(Int32Array.from({ length: T }, () => r.int(0, V - 1)).buffer);
      return { op: Op.gather, inputs: [r.bytes(V * D), ids], params: [V, D, T] };
    }
    case "transpose": {
      const E = r.pick([1, 2, 4]);
      const [R, C] =
        kind === 0
          ? r.pick([
              [1, r.int(500, 3000)],
              [r.int(500, 3000), 1],
              [r.int(1, 3), r.int(500, 1000)],
            ])
          : kind === 1
            ? [r.int(1, 60), r.int(1, 60)]
            : [r.int(150, 300), r.int(150, 300)];
      return { op: Op.transpose, inputs: [r.bytes(R * C * E)], params: [R, C, E] };
    }
    case "strided": {
      // rows of d3 elements, read st3 apart (0: a broadcast, 1: contiguous, a byte copy)
      const E = r.pick([1, 2, 4]);
      const d3 = kind === 0 ? r.int(1, 3) : kind === 1 ? r.int(1, 60) : r.int(500, 3000);
      const [d0, d1, d2] =
        kind === 0 ? [r.int(1, 16), r.int(1, 16), r.int(1, 64)] : [r.int(1, 3), r.int(1, 4), r.int(1, 6)];
      const st3 = r.pick([0, 1, 1, 2, 3]);
      const st2 = d3 * Math.max(st3, 1) + r.int(0, 2),
        st1 = r.chance(0.3) ? 0 : d2 * st2,
        st0 = r.chance(0.3) ? 0 : d1 * Math.max(st1, d2 * st2);
      const n = (d0 - 1) * st0 + (d1 - 1) * st1 + (d2 - 1) * st2 + (d3 - 1) * st3 + 1 + r.int(0, 5);
      return { op: Op.strided, inputs: [r.bytes(n * E)], params: [d0, d1, d2, d3, st0, st1, st2, st3, E, n] };
    }
  }
}
