/** Softmax cross-entropy gradient w.r.t. the logits (p − onehot), in place into `g`. */
export function softmaxGrad(logits: Float64Array, label: number, g: Float64Array): void {
  let mx = -Infinity;
  for (const v of logits) mx = Math.max(mx, v);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    g[i] = Math.exp(logits[i] - mx);
    sum += g[i];
  }
  for (let i = 0; i < logits.length; i++) g[i] = g[i] / sum - (i === label ? 1 : 0);
}
