/**
 * Whether the full-context decoder rewritten from a decode step (decodeStep.ts) computes what the
 * step computes: onnxruntime runs the step position by position over token ids, its cache
 * right-aligned as a fixed-length export keeps it (all-zero past at position 0, then the next past
 * is `present[:, :, 1:, :]`), and the full decoder once over the same ids; every position's logits
 * must agree to float rounding. A step of another form (another mask, another cache layout) fails
 * here and is refused, typed, rather than compiled into a model that computes something else.
 */
import { writeOnnx, type OnnxModel } from "./model.ts";
import { OrtModel, type Feeds, type FloatTensor } from "./ort.ts";
import { OnnxUnsupportedError } from "./errors.ts";
import type { FullDecoder } from "./decodeStep.ts";

/** Largest |a − b| allowed, relative to the largest |logit| (float rounding of two op orders). */
const TOLERANCE = 1e-3;

/** Runs the step over `ids` (T of them) and the full decoder once; throws when their logits differ. */
export async function checkDecodeStep(step: OnnxModel, full: FullDecoder, ids: BigInt64Array): Promise<void> {
  const { T } = full;
  const s = full.step;
  const fullRun = await OrtModel.load(writeOnnx(full.model));
  const stepRun = await OrtModel.load(writeOnnx(step));
  try {
    const expect = (await fullRun.run({ [s.ids]: { dims: [1, T], data: ids.subarray(0, T) } }))[s.logits]!;
    const V = expect.data.length / T;
    const pastDims = new Map(
      step.graph.inputs.filter((v) => s.pasts.includes(v.name)).map((v) => [v.name, v.shape as number[]]),
    );
    const past = new Map<string, FloatTensor>(
      s.pasts.map((n) => {
        const dims = pastDims.get(n)!; // fixed dims, checked by fullFromDecodeStep
        return [n, { dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }];
      }),
    );
    let worst = 0;
    let scale = 0;
    for (let p = 0; p < T; p++) {
      const feeds: Feeds = { [s.ids]: { dims: [1, 1], data: ids.subarray(p, p + 1) }, ...Object.fromEntries(past) };
      if (s.positions) feeds[s.positions] = { dims: [1, 1], data: BigInt64Array.of(BigInt(p)) };
      const out = await stepRun.run(feeds);
      const got = out[s.logits]!.data as Float32Array;
      for (let v = 0; v < V; v++) {
        const e = Number(expect.data[p * V + v]);
        worst = Math.max(worst, Math.abs(got[v]! - e));
        scale = Math.max(scale, Math.abs(e));
      }
      for (const n of s.pasts) past.set(n, dropFirstRow(out[n.replace("past_key_values.", "present.")]!));
    }
    if (!(worst <= TOLERANCE * Math.max(1, scale)))
      throw new OnnxUnsupportedError(
        "decode step",
        "not a recognised key/value-cache decode step: its full-context form does not compute the step's logits",
        { details: `largest logit difference ${worst} over ${T} positions (logits up to ${scale})` },
      );
  } finally {
    await fullRun.release();
    await stepRun.release();
  }
}

/** present [1, H, P + 1, D] → the next past [1, H, P, D]: the oldest row of each head dropped. */
function dropFirstRow(t: FloatTensor): FloatTensor {
  const [b, h, rows, d] = t.dims as [number, number, number, number];
  const data = t.data as Float32Array;
  const out = new Float32Array(b * h * (rows - 1) * d);
  for (let k = 0; k < b * h; k++) out.set(data.subarray((k * rows + 1) * d, (k + 1) * rows * d), k * (rows - 1) * d);
  return { dims: [b, h, rows - 1, d], data: out };
}
