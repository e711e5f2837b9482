/** The bench modules, in run order: each lives in bench/<name>.ts and exports `bench()`. */
export const BENCH_MODULES: readonly { name: string; what: string }[] = [
  { name: "hash", what: "keccak256 of Merkle nodes per second, per candidate library" },
  { name: "merkle", what: "Merkle root of 64 MiB, incremental update, against merkletreejs" },
  { name: "dnn", what: "int8 matmul throughput, SIMD and scalar (VM) builds; VM steps per MAC" },
  {
    name: "dnnLadder",
    what: "native runner vs onnxruntime on the decoder ladder (d256/6, d512/12, d768/12), S_i cost, runner RSS",
  },
  { name: "dnnAccuracy", what: "the three ONNX models quantized, against onnxruntime float" },
  { name: "onnx", what: "ONNX conformance suite counts; the PyTorch exports quantized, against onnxruntime float" },
  {
    name: "webgpu",
    what: "the WebGPU backend: every op's seeded nodes bit-exact with the reference; speed on a real GPU",
  },
  { name: "dnnComponent", what: "the kernels as a jco WebAssembly component vs the core module: per-node overhead" },
  { name: "vm", what: "VM interpreter speed, slowdown against V8, snapshots, spec-suite counts" },
  { name: "contracts", what: "gas of the on-chain one-step verifier over the golden vectors" },
  { name: "econ", what: "the self-challenge attack's best profit for the attacker over bonds, burns, socks" },
  { name: "dispute", what: "gas of a worst-case dispute (1,254 nodes, 2^32 steps) per arity k" },
  { name: "e2e", what: "the demo's story on anvil: undisputed and disputed wall time, gas, rounds" },
  {
    name: "scale",
    what: "LLM generation at GPT-2-small, TinyLlama-1.1B, LLaMA-2-7B and 13B shapes: nodes, steps, time, dispute",
  },
  {
    name: "startup",
    what: "opml start-up: --help and status in a fresh process, against every command loaded up front",
  },
  { name: "defenderLoad", what: "8 challengers steered to 8 different nodes: the defender's missed deadlines, slack" },
  { name: "load", what: "bursts of 50 (kill -9, RPC stall) and 500 requests at 1 s blocks: claims/s, latency, lost" },
];
