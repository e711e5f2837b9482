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
      // Copies T rows of D bytes; the table is only read where the ids point.
      return BASE + 60 * (4 * p.T + p.T * p.D) + 100 * p.T;
    case "transpose":
    case "concat":
    case "slice":
    case "copy":
      return BASE + 60 * bytes;
    case "genInit":
      // the prompt check and the token copy: ~52 steps per word
      return BASE + 60 * (8 + p.C);
    case "genSample":
      // the state copy (~68 steps per word), then ≤ 12 passes over the logits (max, ≤ 8 counts
      // of top-k's binary search, the count above θ, the weight sum, the pick): ≤ 240 steps per
      // logit in all (measured 209–240 on top-k nodes of V = 1000 and 32000), and ~50 per pass
      return BASE + 80 * (8 + p.C) + 300 * p.V + 600;
    default:
      return BASE + 120 * bytes;
  }
}
