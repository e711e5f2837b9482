/**
 * The fusion finders (FusionMatch.ts), in the order they run over the graph before any node is
 * lowered. Where two would claim the same node, the earlier one's match is lowered. Adding a
 * fusion is adding a finder file in fusions/ and its line here. (fusions/residual16.ts is not
 * here: lowerModel runs it after the graph inputs, only with `int16Residual`; the MatMul bias
 * Add is fused by the MatMul handler itself, fusions/followingBias.ts.)
 */
import type { FindFusions } from "./FusionMatch.ts";
import { attention } from "./fusions/attention.ts";
import { convBatchNorm } from "./fusions/convBatchNorm.ts";
import { normPatterns } from "./fusions/normPatterns.ts";
import { silu } from "./fusions/silu.ts";
import { tanhGelu } from "./fusions/tanhGelu.ts";
import { erfGelu } from "./fusions/erfGelu.ts";
import { rotary } from "./fusions/rotary.ts";

export const FUSIONS: readonly FindFusions[] = [
  attention,
  erfGelu,
  rotary,
  normPatterns,
  tanhGelu,
  silu,
  convBatchNorm,
];
