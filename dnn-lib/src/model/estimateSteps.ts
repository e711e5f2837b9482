/**
 * An upper bound on the VM steps one node's `run()` takes (docs/protocol.md §5
 * steps of the VM build), from its op and parameters: fitted to vm/Machine runs
 * of the current kernels and checked against every node of the VM test
 * (phase/test/vmRun.test.ts asserts estimate ≥ actual). The graph compiler
 * tiles a node whose bound exceeds the configured step budget.
 */
import { inputByteLengths, opParams, outputByteLength } from "../ops.ts";

/** Steps of `run()`'s dispatch, validation and return, over every op. */
const BASE = 400;
/**
 * The layout ops (dnn-lib/assembly/layout.ts; steps measured by phase/tools/layoutSteps.ts). A
 * byte copy moves 64-byte blocks as eight words (43 steps a block, 0.67 a byte), then its last 64
 * bytes again, overlapping; under 64 bytes it is a few words, halves or one byte, no loop. One row
 * copied costs c(n) = 46 steps for 1 byte, 55–82 under 64 and 88 + 43·⌊n/64⌋ from 64 on (measured
 * per row of slice, its loop included), ≤ 83 + 3n/4: COPY_ROW + 3/4 of a step a byte bounds it.
 * Transpose and strided read each output row's elements one by one, four per iteration (9.5
 * steps an element), and pay ≤ 86 a row for the call, the row's setup and the ≤ 3 elements after
 * the last four; strided's rows of contiguous elements (st3 = 1) are byte copies, ≤ 116 a row
 * (the copy's constant, the row's address and the element-size dispatch) and 3/4 of a step a byte.
 */
const COPY_ROW = 100;
const copyBytes = (n: number) => Math.ceil((3 * n) / 4);
const ROW = 120;
const ELEMENT = 10;
const STRIDED_COPY_ROW = 160;

export function estimateSteps(op: number, params: readonly number[]): number {
  const { name, p } = opParams(op, params);
  const out = outputByteLength(op, params);
  const bytes = inputByteLengths(op, params).reduce((a, b) => a + b, 0) + out;
  switch (name) {
    case "matmul":
      // dot8: ~9 steps per MAC in the unrolled body, ~22 in the tail (K mod 8)
      return BASE + p.M * p.N * (150 + 9 * p.K + 22 * (p.K % 8));
    case "matmul16":
      // dot16x8: ~8.5 steps per MAC in the unrolled body, ~30 in the tail
      return BASE + p.M * p.N * (150 + 9 * p.K + 30 * (p.K % 8));
    case "conv2d":
      return BASE + 75 * out * p.C * p.KH * p.KW + 230 * out;
    case "attention": {
      const pairs = p.H * p.Tq * p.Tmax;
      return BASE + 60 * pairs * p.Dh + 400 * pairs + 300 * out;
    }
    case "attnCache": {
      // per (head, key) pair: ~35 steps per head dimension (score and value sums; ~40 in dot8's tail
      // when Dh < 8) and ~250 for the requant and softmax; ~115 per output byte
      const pairs = p.H * (p.pos + 1);
      return BASE + 50 * pairs * p.Dh + 300 * pairs + 150 * out;
    }
    case "norm":
      return BASE + 1000 * p.R + 200 * p.R * p.D;
    case "maxpool":
    case "avgpool":
      return BASE + 60 * out * p.K * p.K + 200 * out;
    case "gather":
      // T rows of D bytes, each after its id's check; the table is only read where the ids point.
      return BASE + p.T * (COPY_ROW + 20) + copyBytes(out);
    case "concat":
      return BASE + 2 * p.O * COPY_ROW + copyBytes(out);
    case "slice":
      return BASE + p.O * COPY_ROW + copyBytes(out);
    case "copy":
      return BASE + COPY_ROW + copyBytes(out);
    case "transpose":
      // C output rows, each R elements read C·E bytes apart
      return BASE + p.C * ROW + ELEMENT * p.R * p.C;
    case "strided": {
      // rows of d3 elements; a row of contiguous elements (st3 = 1) is a byte copy
      const rows = p.d0 * p.d1 * p.d2;
      return BASE + (p.st3 === 1 ? rows * STRIDED_COPY_ROW + copyBytes(out) : rows * ROW + ELEMENT * rows * p.d3);
    }
    case "genInit":
      // the prompt check and the token copy: ~52 steps per word
      return BASE + 60 * (8 + p.C);
    case "genSample":
      // the state copy (one byte copy of 8 + C words), then ≤ 12 passes over the logits (max, ≤ 8
      // counts of top-k's binary search, the count above θ, the weight sum, the pick): ≤ 240 steps
      // per logit in all (measured 209–240 on top-k nodes of V = 1000 and 32000), and ~50 per pass
      return BASE + COPY_ROW + copyBytes(4 * (8 + p.C)) + 300 * p.V + 600;
    default:
      return BASE + 120 * bytes;
  }
}
