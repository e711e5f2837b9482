/**
 * Run by ortGemmEmulated.test.ts under an emulated CPU: onnxruntime's integer GEMM on the largest
 * pair sums (inputs 127 against weights −128 and 127), with int8 weights forced, with uint8
 * weights and with OrtGemm's own choice. Prints one JSON line.
 */
import { OrtGemm, signedPathExact } from "../src/runner/OrtGemm.ts";

const [M, N, K] = [4, 16, 64];
const x = new Uint8Array(M * K).fill(127);
const w = Int8Array.from({ length: N * K }, (_, i) => (Math.floor(i / K) % 2 ? 127 : -128));
const want = Int32Array.from({ length: M * N }, (_, i) => 127 * K * ((i % N) % 2 ? 127 : -128));

function exact(weights: "int8" | "uint8" | "auto"): { weights: string; exact: boolean } {
  const gemm = OrtGemm.create(w, M, N, K, 1, weights);
  const acc = new Int32Array(M * N);
  gemm.run(x, acc);
  gemm.dispose();
  return { weights: gemm.weights, exact: acc.every((v, i) => v === want[i]) };
}

console.log(
  JSON.stringify({
    probe: signedPathExact(M, N, K),
    int8: exact("int8"),
    uint8: exact("uint8"),
    auto: exact("auto"),
  }),
);
