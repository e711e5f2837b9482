import { divr } from "./arith.ts";
import { expectLength } from "./expect.ts";

/** Max (kind "max") or rounded average (kind "avg") over K×K windows of x[C][H][W], no padding. */
export function pool(
  kind: "max" | "avg",
  x: Int8Array,
  p: { C: number; H: number; W: number; K: number; stride: number },
): Int8Array {
  const { C, H, W, K, stride } = p;
  expectLength(`${kind}pool`, "x", x, C * H * W);
  const OH = Math.floor((H - K) / stride) + 1;
  const OW = Math.floor((W - K) / stride) + 1;
  const out = new Int8Array(C * OH * OW);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        let mx = -128;
        let sum = 0;
        for (let u = 0; u < K; u++)
          for (let v = 0; v < K; v++) {
            const val = x[(c * H + i * stride + u) * W + j * stride + v]!;
            mx = Math.max(mx, val);
            sum += val;
          }
        out[(c * OH + i) * OW + j] = kind === "max" ? mx : Number(divr(BigInt(sum), BigInt(K * K)));
      }
  return out;
}
