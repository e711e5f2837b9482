/**
 * LLM generation at scale (`npm run bench -- scale`, not in CI): GPT-2-small (context 1,024),
 * TinyLlama-1.1B, LLaMA-2-7B and LLaMA-2-13B shapes with seeded random int8 weights (dnn-lib/models/
 * decoderShapes.ts), each unrolled into a generation model and measured in its own process
 * (bench/scaleShape.ts). A 64-token generation's dispute is costed from a real one: the LLM demo's
 * dispute on anvil (byte-lm-generate, the liar caught at the on-chain step) gives the gas per
 * bisection round and the fixed part (claim, challenge, phase-2 opening, step).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startDevnet } from "../devnet/startDevnet.ts";
import { DISPUTE_PHASES, runStory } from "../devnet/story.ts";
import { completionDapp } from "../devnet/storyDapps.ts";
import { deployContracts, GAME } from "../chain/deploy.ts";
import { devClients } from "../chain/devClients.ts";
import { DECODER_SHAPES } from "../dnn-lib/models/decoderShapes.ts";
import { SLOT_DEPTH } from "../commitment/slotTree.ts";
import { fmt, type BenchReport } from "./harness.ts";

const SHAPE_SCRIPT = fileURLToPath(new URL("./scaleShape.ts", import.meta.url));

/** Gas of one bisection round and of the rest of a dispute, from the LLM demo's dispute on anvil. */
async function measuredDispute(): Promise<{ perRound: number; fixed: number; rounds: number }> {
  const devnet = await startDevnet({ port: 0, models: ["byte-lm-generate"] });
  try {
    const { anvil, deployment } = devnet;
    const at = (n: string) => deployment.deployed.find((d) => d.name === n)!.address;
    const model = devnet.models.find((m) => m.name === "byte-lm-generate")!;
    const deployer = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
    const [d] = await deployContracts(deployer, [
      {
        name: "TextCompletion",
        source: "contracts/src/examples/TextCompletion.sol",
        description: "the example completion dapp",
        args: [at("OpmlOracle"), model.modelId],
      },
    ]);
    const r = await runStory(
      {
        anvil,
        oracle: at("OpmlOracle"),
        game: at("DisputeGame"),
        dapp: completionDapp(d!.address, "Once upon", 8),
        model,
      },
      { verbose: false },
    );
    if (!r.liarSlashed || !r.delivered) throw new Error("the LLM story did not end as it should");
    const moves = r.table.total(["level 1 moves", "level 2 moves"]);
    const all = r.table.total(DISPUTE_PHASES);
    return { perRound: Number(moves.gas) / r.rounds, fixed: Number(all.gas - moves.gas), rounds: r.rounds };
  } finally {
    await devnet.anvil.stop();
  }
}

export async function bench(): Promise<BenchReport> {
  const metrics: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const dispute = await measuredDispute();
  const k = Number(GAME.k);
  const level2 = Math.ceil(Number(GAME.stepDepth) / Math.log2(k));
  for (const name of Object.keys(DECODER_SHAPES)) {
    process.stderr.write(`bench: scale ${name} …\n`);
    const json = execFileSync(process.execPath, ["--import", "tsx", SHAPE_SCRIPT, name], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    const f = JSON.parse(json.trim().split("\n").pop()!) as Record<string, number>;
    const rounds = Math.ceil(Math.log(f.gen64_nodes!) / Math.log(k)) + level2;
    f.dispute_rounds = rounds;
    f.dispute_gas = Math.round(dispute.fixed + dispute.perRound * rounds);
    for (const [fig, v] of Object.entries(f)) metrics[`scale.${name}.${fig}`] = v;
    rows.push(
      [
        `${name}: nodes per token`,
        String(f.nodes_per_token),
        `${f.nodes_at_max_context} nodes at context ${f.max_context}`,
      ],
      [`${name}: largest node`, `${fmt(f.max_node_steps!)} VM steps (bound)`, "must be ≤ 2^32 = 4.29e9"],
      [
        `${name}: native time per token`,
        f.token_ms !== undefined ? `${fmt(f.token_ms)} ms, ${fmt(f.token_ms_with_states!)} ms with S_i` : "not run",
        f.token_ms !== undefined
          ? `served from its ${fmt(f.file_gb!)} GB model file over ${f.instances} instance(s): load ${fmt(f.load_s!)} s, weightsRoot ${fmt(f.weights_root_s!)} s; peak RSS ${fmt(f.peak_rss_gb!)} GB (weights + ${fmt(f.peak_rss_over_weights_gb!)} GB)`
          : `not run: needs ${fmt(f.native_needs_gb!)} GB (weights + 2 GiB), ${fmt(f.free_gb_at_start!)} GB was free`,
      ],
      [
        `${name}: 64-token dispute`,
        `${rounds} rounds, ${fmt(f.dispute_gas)} gas`,
        `${f.gen64_nodes} nodes; level 1 ⌈log_${k} N⌉ + level 2 ${level2}`,
      ],
    );
    rows.push([
      `${name}: one forward pass over ${f.full_context_tokens} tokens`,
      `${f.full_context_nodes} nodes, largest ${fmt(f.full_context_max_node_steps!)} VM steps (bound)`,
      `tiled under 2^32 in ${fmt(f.full_context_compile_s!)} s; joins ${f.full_context_join_depth} deep, ${fmt(100 * f.full_context_join_share!)}% of the steps`,
    ]);
    if (f.vm_largest_node_s !== undefined)
      rows.push([
        `${name}: VM, largest timed node`,
        `${fmt(f.vm_largest_node_steps!)} steps in ${fmt(f.vm_largest_node_s)} s`,
        `to its middle step ${fmt(f.vm_state_at_step_s!)} s`,
      ]);
  }
  return {
    title: "LLM generation at scale (seeded int8 weights of real shapes)",
    metrics,
    rows,
    notes: [
      "Each shape is a LLaMA-layout decoder (GPT-2-small as 12 heads of 64, FFN 3072, vocabulary 50,257, context 1,024; TinyLlama-1.1B: hidden 2048, 22 layers, 32 heads, 4 key/value heads, FFN 5632; LLaMA-2-7B: hidden 4096, 32 layers, 32 heads, FFN 11008, vocabulary 32,000; LLaMA-2-13B: hidden 5120, 40 layers, 40 heads, FFN 13824) unrolled into a generation model with in-place key/value caches.",
      `nodes_per_token and max_node_steps come from the unrolled graph at the longest context the depth-${SLOT_DEPTH} slot tree holds (max_context, at most the shape's own); max_node_steps is estimateSteps' bound. token_ms is a 16-position generation (1-token prompt) timed natively, one thread, divided by 15, the best of two; token_ms_with_states adds S_i after every node (best of two, alternated with token_ms).`,
      `dispute_gas = ${fmt(dispute.fixed)} gas (claim, challenge, phase-2 opening, step, measured) + ${fmt(dispute.perRound)} gas per round (measured) × rounds, from the LLM demo's dispute on anvil (${dispute.rounds} rounds); rounds = ⌈log_${k} N⌉ + ${level2} for the ${k}-ary game over a 64-token generation of N nodes and 2^32 VM steps.`,
      "full_context_* is the same decoder as one forward pass over its whole context (not a generation), compiled as `opml model compile` does: every node over 2^32 steps split into fitted tiles (matmul by columns, attention by head and query block, element-wise and row-wise ops by rows; docs/protocol.md §4.5) and the tiles joined by balanced concat trees; full_context_join_depth is the longest chain of joins, full_context_join_share the joins' part of the summed step bounds.",
      "The native figures run the timed generation as the daemons run a model: a child process draws the weights and writes the model file (several weights sections past 4 GiB), and NativeRunner.fromFile reads each weight straight into the runner's wasm32 instances (several past 4 GiB), checking the file's checksum as it reads, then computes weightsRoot from that memory: the weights are held once. A shape runs natively only when its weights and 2 GiB fit the memory free at its start (`native_needs_gb`, `free_gb_at_start`); peak_rss_over_weights_gb is the process's peak RSS less the weights.",
    ],
  };
}
