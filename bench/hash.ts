/**
 * hash.node_hashes_per_s: keccak256 of 64-byte inputs (one Merkle node) per second,
 * for each candidate library. The fastest is the one commitment/hash.ts uses.
 */
import { createRequire } from "node:module";
import { keccak256 as viemKeccak } from "viem";
import { createKeccak } from "hash-wasm";
import { hashPairInto, hashPairsInto } from "../commitment/hash.ts";
import { opsPerSecond, fmt, type BenchReport } from "./harness.ts";

const require = createRequire(import.meta.url);

export async function bench(): Promise<BenchReport> {
  const input = new Uint8Array(64).map((_, i) => i * 7);
  const out = new Uint8Array(32);
  const n = 200_000;

  const hw = await createKeccak(256);
  const hashWasm = opsPerSecond(() => {
    hw.init();
    hw.update(input);
    hw.digest("binary");
  }, n);
  const project = opsPerSecond(() => hashPairInto(input, 0, out, 0), n);
  const runIn = new Uint8Array(64 * 1024).map((_, i) => i);
  const runOut = new Uint8Array(32 * 1024);
  const batched = 1024 * opsPerSecond(() => hashPairsInto(runIn, 0, 1024, runOut, 0), n / 1024);
  const viem = opsPerSecond(() => viemKeccak(input, "bytes"), n / 10);
  const createNative = require("keccak/bindings") as (alg: string) => { update(b: Buffer): { digest(): Buffer } };
  const createJs = require("keccak/js") as typeof createNative;
  const buf = Buffer.from(input);
  const keccakNative = opsPerSecond(() => createNative("keccak256").update(buf).digest(), n / 4);
  const keccakJs = opsPerSecond(() => createJs("keccak256").update(buf).digest(), n / 10);

  const candidates: [string, number][] = [
    ["project batched keccak (commitment/keccak, runs of 1024 nodes)", batched],
    ["hash-wasm (reused hasher)", hashWasm],
    ["keccak (native addon)", keccakNative],
    ["keccak (pure JS fallback)", keccakJs],
    ["viem keccak256 (@noble/hashes)", viem],
  ];
  candidates.sort((a, b) => b[1] - a[1]);
  const [best, second] = [candidates[0]!, candidates[1]!];
  return {
    title: "Hashing (keccak256 of one 64-byte Merkle node)",
    metrics: {
      "hash.node_hashes_per_s": batched,
      "hash.node_hashes_per_s.single_call": project,
      "hash.node_hashes_per_s.project_batched": batched,
      "hash.node_hashes_per_s.hash_wasm": hashWasm,
      "hash.node_hashes_per_s.keccak_native": keccakNative,
      "hash.node_hashes_per_s.keccak_js": keccakJs,
      "hash.node_hashes_per_s.viem": viem,
      "hash.hot_path_vs_next_best": batched / second[1],
    },
    rows: [
      ...candidates.map(([name, v]): [string, string, string] => [name, `${fmt(v)} /s`, `${fmt(v / viem)}× viem`]),
      ["commitment/hash.ts hashPairInto (one node per call)", `${fmt(project)} /s`, "batched keccak, n = 1"],
    ],
    notes: [
      `Fastest: ${best[0]}, ${fmt(best[1] / second[1])}× the next (${second[0]}). ` +
        "The Merkle trees hash runs of adjacent nodes with the project's batched keccak (keccak-f[1600] unrolled in " +
        "AssemblyScript, one WebAssembly call per run: no per-hash JS↔WASM crossing and no allocation). Of the " +
        "libraries, hash-wasm with one reused hasher is the fastest (it runs keccak-f in WebAssembly; the `keccak` " +
        "package allocates a hasher object per call, viem runs keccak in JS) and serves hashes of other lengths.",
    ],
  };
}
