/**
 * The float arithmetic of the demo models' training (mlp.ts, cnn.ts). The generator must
 * reproduce the committed .onnx files bit for bit, so every sum runs in index order.
 */

/** Softmax cross-entropy gradient w.r.t. the logits (p − onehot), in place into `g` (as long as the logits). */
export function softmaxGrad(logits: Float64Array, label: number, g: Float64Array): void {
  let mx = -Infinity;
  for (const v of logits) mx = Math.max(mx, v);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i]! - mx);
    g[i] = e;
    sum += e;
  }
  for (let i = 0; i < logits.length; i++) g[i] = g[i]! / sum - (i === label ? 1 : 0);
}

/** init + Σ_k a[k]·b[k], added in order k = 0, 1, …; b is at least as long as a. */
export function dot(init: number, a: Float64Array, b: Float64Array): number {
  let acc = init;
  for (let k = 0; k < a.length; k++) acc += a[k]! * b[k]!;
  return acc;
}

/** y[k] += alpha·x[k] for every k of y; x is at least as long as y. */
export function addScaled(y: Float64Array, alpha: number, x: Float64Array): void {
  for (let k = 0; k < y.length; k++) y[k]! += alpha * x[k]!;
}

/** y[k] −= alpha·x[k] for every k of y; x is at least as long as y. */
export function subScaled(y: Float64Array, alpha: number, x: Float64Array): void {
  for (let k = 0; k < y.length; k++) y[k]! -= alpha * x[k]!;
}
