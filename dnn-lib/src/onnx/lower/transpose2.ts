/** The transpose of a row-major w[R][C] (weights to the kernels' w[N][K] order); w holds R·C values. */
export function transpose2(w: Float64Array, R: number, C: number): Float64Array {
  const o = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) o[c * R + r] = w[r * C + c]!;
  return o;
}
