/**
 * How one node over the step budget splits into tiles (docs/protocol.md §4.5): each tile is a node
 * of the same op over byte ranges of its operands, fitted to the budget (the largest tile that
 * fits, then the cut evened out), and the tiles' outputs, in order, are the node's output:
 *
 * - matmul, matmul16 by output columns, conv2d by output channels (each column or channel reads
 *   only its own weight rows); the tiles interleave row by row (`outer` = M);
 * - element-wise ops by elements, and softmax, norm, argmax, requant, requant16, rotary and gather
 *   by rows (a row reads its own input row, the tables whole); the tiles are consecutive;
 * - attention by head, and where one head alone is over the budget, each head by query block
 *   (a block of queries q0 … q1 − 1 at positions pos0 + q0 … reads keys and values 0 … pos0 + q1 − 1
 *   of its head only); the tiles are consecutive ([H][Tq][Dh] is head-major);
 * - attnCache by head group, and where one group alone is over the budget, each group by head (a
 *   tile reads its groups' columns of every cache row); the tiles are consecutive.
 */
import { Op, opParams, outputByteLength } from "../ops.ts";
import { estimateSteps } from "./estimateSteps.ts";

/**
 * Part of an operand: bytes [start, start + len), or with `rows`, those bytes of each of the
 * operand's `rows` equal rows (a column band of a row-major tensor).
 */
export type Part = [start: number, len: number] | [start: number, len: number, rows: number];

export interface Tile {
  params: number[];
  /** Per operand: the part the tile reads, or undefined for all of it. */
  parts: (Part | undefined)[];
  /** The tile's output bytes within each of the join's `outer` rows. */
  width: number;
}

export interface TilePlan {
  tiles: Tile[];
  /** The output is `outer` rows; each row is the tiles' widths in order (1: the tiles end to end). */
  outer: number;
}

/**
 * Thrown by planTile when a single unit is over the budget; tileModel turns it into a
 * ModelGraphError naming the node.
 */
export class UnitOverBudget extends Error {
  constructor(
    readonly unit: string,
    readonly steps: number,
  ) {
    super(`one ${unit} alone is estimated at ${steps} steps`);
  }
}

/** The largest u in [1, units] with `fits(u)` (monotone: true up to some u), or 0 when none. */
export function largestFit(units: number, fits: (u: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = units;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The fewest pieces of at most `max` units covering `units`, made even: every piece but the last
 * has the same size, a multiple of `align` where that still fits under `max`. Piece starts.
 */
export function evenCuts(units: number, max: number, align = 1): number[] {
  const count = Math.ceil(units / max);
  let per = Math.ceil(units / count);
  const aligned = Math.ceil(per / align) * align;
  if (aligned <= max) per = aligned;
  const starts: number[] = [];
  for (let u = 0; u < units; u += per) starts.push(u);
  return starts;
}

/** Splits `units` into fitted pieces: `make(u0, u)` is the tile of units [u0, u0 + u). */
function cut(
  units: number,
  unitName: string,
  steps: (u: number) => number,
  maxSteps: number,
  align: number,
  make: (u0: number, u: number) => Tile,
): Tile[] {
  const max = largestFit(units, (u) => steps(u) <= maxSteps);
  if (max === 0) throw new UnitOverBudget(unitName, steps(1));
  const starts = evenCuts(units, max, align);
  return starts.map((u0, k) => make(u0, (starts[k + 1] ?? units) - u0));
}

/** A row-wise op: `rows` rows; operand k reads `rowBytes[k]` bytes per row (undefined: read whole). */
interface Rows {
  rows: number;
  rowBytes: (number | undefined)[];
  outRow: number;
  /** The tile's params for rows [r0, r0 + r). */
  params: (r0: number, r: number) => number[];
  unit: string;
  align: number;
}

function rowsOf(op: number, params: readonly number[]): Rows | undefined {
  const { name, p } = opParams(op, params);
  const rest = params.slice(1);
  const byRows = (rowBytes: (number | undefined)[], outRow: number, unit = "row", align = 1): Rows => ({
    rows: params[0]!,
    rowBytes,
    outRow,
    params: (_r0, r) => [r, ...rest],
    unit,
    align,
  });
  const elems = (rowBytes: (number | undefined)[], outRow: number) => byRows(rowBytes, outRow, "element", 16);
  switch (name) {
    case "add":
    case "mul":
      return elems([1, 1], 1);
    case "add16":
    case "mul16":
      return elems([2, 2], 2);
    case "relu":
      return elems([1], 1);
    case "relu16":
      return elems([2], 2);
    case "lut":
      return elems([1, undefined], 1);
    case "lut16":
      return elems([2, undefined], 2);
    case "cvt8to16":
      return elems([1], 2);
    case "cvt16to8":
      return elems([2], 1);
    case "softmax":
      return byRows([p.L, undefined], p.L);
    case "argmax":
      return byRows([p.L], 4);
    case "norm":
      return byRows([p.D, undefined, undefined], p.D);
    case "requant":
      return byRows([4 * p.C, undefined, undefined], p.C);
    case "requant16":
      return byRows([4 * p.C, undefined, undefined], 2 * p.C);
    case "rotary":
      return {
        ...byRows([p.H * p.Dh, undefined, undefined], p.H * p.Dh, "position"),
        params: (r0, r) => [r, p.H, p.Dh, p.pos0 + r0, p.P],
      };
    case "gather":
      return {
        rows: p.T,
        rowBytes: [undefined, 4],
        outRow: p.D,
        params: (_r0, r) => [p.V, p.D, r],
        unit: "token",
        align: 1,
      };
    default:
      return undefined;
  }
}

/**
 * The tiles of a node whose estimated steps exceed `maxSteps`, or undefined when its op is not
 * split (copies and views, pools, the generation ops). Throws UnitOverBudget when one unit alone
 * (a column, a channel, a row, one query of one head) is over the budget.
 */
export function planTile(op: number, params: readonly number[], maxSteps: number): TilePlan | undefined {
  const { name, p } = opParams(op, params);
  const est = (ps: number[]) => estimateSteps(op, ps);
  switch (name) {
    case "matmul":
    case "matmul16":
    case "conv2d": {
      // Output units: matmul columns N (weight row K bytes; 2 output bytes each for matmul16), conv2d channels OC.
      const conv = name === "conv2d";
      const [units, rowBytes, outPerUnit, outer] = conv
        ? [p.OC, p.C * p.KH * p.KW, outputByteLength(op, params) / p.OC, 1]
        : [p.N, p.K, name === "matmul16" ? 2 : 1, p.M];
      const at = conv ? 3 : 1;
      const withUnits = (u: number) => params.map((v, k) => (k === at ? u : v));
      const tiles = cut(
        units,
        conv ? "output channel" : "output column",
        (u) => est(withUnits(u)),
        maxSteps,
        4,
        (u0, u) => ({
          params: withUnits(u),
          parts: [undefined, [u0 * rowBytes, u * rowBytes], [4 * u0, 4 * u], [4 * u0, 4 * u], [4 * u0, 4 * u]],
          width: u * outPerUnit,
        }),
      );
      return { tiles, outer };
    }
    case "attention":
      return { tiles: attentionTiles(params, maxSteps), outer: 1 };
    case "attnCache":
      return { tiles: attnCacheTiles(params, maxSteps), outer: 1 };
  }
  const rows = rowsOf(op, params);
  if (!rows) return undefined;
  const tiles = cut(
    rows.rows,
    rows.unit,
    (r) => est(rows.params(0, r)),
    maxSteps,
    rows.align,
    (r0, r) => ({
      params: rows.params(r0, r),
      parts: rows.rowBytes.map((b) => (b === undefined ? undefined : [r0 * b, r * b])),
      width: r * rows.outRow,
    }),
  );
  return { tiles, outer: 1 };
}

/** Attention by head groups; when one head is over the budget, each head by query blocks. */
function attentionTiles(params: readonly number[], maxSteps: number): Tile[] {
  const [H, Tq, Dh, Tmax, pos0, ...quant] = params as [number, number, number, number, number, ...number[]];
  const steps = (h: number, tq: number, tmax: number) => estimateSteps(Op.attention, [h, tq, Dh, tmax, 0, ...quant]);
  const q = Tq * Dh;
  const kv = Tmax * Dh;
  if (steps(1, Tq, Tmax) <= maxSteps)
    return cut(
      H,
      "head",
      (h) => steps(h, Tq, Tmax),
      maxSteps,
      1,
      (h0, h) => ({
        params: [h, Tq, Dh, Tmax, pos0, ...quant],
        parts: [[h0 * q, h * q], [h0 * kv, h * kv], [h0 * kv, h * kv], undefined],
        width: h * q,
      }),
    );
  // Query blocks, greedy from the first query: block [q0, q1) reads keys 0 … pos0 + q1 − 1.
  const tiles: Tile[] = [];
  for (let h = 0; h < H; h++)
    for (let q0 = 0; q0 < Tq;) {
      const n = largestFit(Tq - q0, (r) => steps(1, r, pos0 + q0 + r) <= maxSteps);
      if (n === 0) throw new UnitOverBudget("query", steps(1, 1, pos0 + q0 + 1));
      const keys = pos0 + q0 + n;
      tiles.push({
        params: [1, n, Dh, keys, pos0 + q0, ...quant],
        parts: [[(h * Tq + q0) * Dh, n * Dh], [h * kv, keys * Dh], [h * kv, keys * Dh], undefined],
        width: n * Dh,
      });
      q0 += n;
    }
  return tiles;
}

/**
 * attnCache by head groups (each tile's caches: its groups' G'·Dh columns of every row, so S' =
 * G'·Dh); when one group is over the budget, each group by heads, reading that group's columns.
 */
function attnCacheTiles(params: readonly number[], maxSteps: number): Tile[] {
  const [H, Dh, G, Tmax, , pos, ...quant] = params as [number, number, number, number, number, number, ...number[]];
  const per = H / G;
  const steps = (h: number, g: number) => estimateSteps(Op.attnCache, [h, Dh, g, Tmax, g * Dh, pos, ...quant]);
  const groups = (g0: number, g: number): Part => [g0 * Dh, g * Dh, Tmax];
  if (steps(per, 1) <= maxSteps)
    return cut(
      G,
      "head group",
      (g) => steps(g * per, g),
      maxSteps,
      1,
      (g0, g) => ({
        params: [g * per, Dh, g, Tmax, g * Dh, pos, ...quant],
        parts: [[g0 * per * Dh, g * per * Dh], groups(g0, g), groups(g0, g), undefined],
        width: g * per * Dh,
      }),
    );
  return Array.from({ length: G }, (_, g) =>
    cut(
      per,
      "head",
      (h) => steps(h, 1),
      maxSteps,
      1,
      (h0, h) => ({
        params: [h, Dh, 1, Tmax, Dh, pos, ...quant],
        parts: [[(g * per + h0) * Dh, h * Dh], groups(g, 1), groups(g, 1), undefined],
        width: h * Dh,
      }),
    ),
  ).flat();
}
