/**
 * `npm run demo`: the whole opML story on a local anvil it starts itself. It deploys the system
 * (StepVerifier, PhaseBoundary, DisputeGame, OpmlOracle, the ClassifierGate example dapp) and
 * registers the demo model (dnn-lib's tiny-mlp); the dapp requests an inference; a submitter
 * daemon lying at a chosen node (`--lie-at-node`, default the middle node) is challenged by an
 * honest defend-mode challenger daemon; the dispute is shown move by move down to the on-chain
 * step; the liar is slashed; an honest claim finalizes and the dapp's callback receives the
 * output; then gas and wall time per phase. Anvil is stopped at the end. Every number printed is
 * measured (gas from receipts, time around the daemons' work).
 *
 * `npm run demo -- --llm` tells the same story for a completion: byte-lm (the byte-level
 * LLaMA-style model trained here) unrolled into a generation model (docs/protocol.md §4.4), the
 * TextCompletion example dapp asking it to continue a prompt, the liar lying inside one layer
 * node of a generated token, and the dapp's callback receiving the text.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { OpmlError } from "../common/errors.ts";
import { startDevnet } from "../devnet/startDevnet.ts";
import { runStory } from "../devnet/story.ts";
import { completionDapp, type StoryDapp } from "../devnet/storyDapps.ts";
import { deployContracts } from "../chain/deploy.ts";
import { devClients } from "../chain/devClients.ts";
import type { Address } from "viem";

/** The generation model the LLM demo registers. */
const LLM_MODEL = "byte-lm-generate";

/** The completion the LLM demo asks for. */
const LLM_PROMPT = "To be, or not to be";
const LLM_NEW = 16;

export async function runDemo(
  options: { lieAtNode?: number; verbose?: boolean; llm?: boolean } = {},
  log: (line: string) => void = console.log,
): Promise<boolean> {
  const started = performance.now();
  log("opML demo: an optimistic ML oracle with fraud proofs, end to end on a local chain.\n");
  const t0 = performance.now();
  const devnet = await startDevnet({
    port: 0,
    ...(options.llm && { models: [LLM_MODEL], log: (line: string) => log(line) }),
  });
  const deployS = (performance.now() - t0) / 1000;
  let ok: boolean;
  try {
    const { anvil, deployment } = devnet;
    log(`Started anvil at ${anvil.rpcUrl} (chain id ${anvil.chainId}, pid ${anvil.pid}).`);
    for (const d of deployment.deployed) log(`Deployed ${d.name.padEnd(18)} at ${d.address} (gas ${d.gasUsed}).`);
    for (const m of deployment.missing) log(`Not deployed, source missing: ${m.name} (${m.source}).`);
    const at = (name: string) => deployment.deployed.find((d) => d.name === name)?.address;
    const [oracle, game, gate] = [at("OpmlOracle"), at("DisputeGame"), at("ClassifierGate")];
    const registered = options.llm ? devnet.models.find((m) => m.name === LLM_MODEL) : undefined;
    const model = options.llm ? registered : deployment.model;
    if (!model || !oracle || !game || !gate || (options.llm && !registered)) {
      log("The system is not fully deployed; nothing more to show.");
      return false;
    }
    let dapp: Address | StoryDapp = gate;
    if (options.llm) {
      const deployer = devClients(anvil.rpcUrl, anvil.chainId, anvil.accounts[0]!.privateKey);
      const [d] = await deployContracts(deployer, [
        {
          name: "TextCompletion",
          source: "contracts/src/examples/TextCompletion.sol",
          description: "the example completion dapp",
          args: [oracle, model.modelId],
        },
      ]);
      log(`Deployed ${d!.name.padEnd(18)} at ${d!.address} (gas ${d!.gasUsed}).`);
      dapp = completionDapp(d!.address, LLM_PROMPT, LLM_NEW);
    }
    const c = model.compiled.commitment;
    log(
      `Registered model ${model.modelId} (${model.name}: ${c.nodeCount} nodes, ${c.inputLength} input bytes, ${c.outputLength} output bytes) (gas ${model.gasUsed}).`,
    );
    const result = await runStory(
      { anvil, oracle, game, dapp, model },
      { lieAtNode: options.lieAtNode, verbose: options.verbose, log },
    );
    const deployGas = deployment.deployed.reduce((a, d) => a + d.gasUsed, 0n) + model.gasUsed;
    result.table.rows.unshift({
      phase: "anvil + deploy + register",
      txs: deployment.deployed.length + 1,
      gas: deployGas,
      wallS: deployS,
    });
    log(
      `\nDispute: ${result.rounds} bisection rounds (${result.moves.level1} level-1 and ${result.moves.level2} level-2 moves).`,
    );
    log("\nGas and wall time per phase (wall time includes the daemons' native runs and VM traces):");
    for (const line of result.table.format()) log(line);
    ok = result.liarSlashed && result.delivered;
  } finally {
    await devnet.anvil.stop();
  }
  log(`\nStopped anvil. Took ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  return ok;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { values } = parseArgs({
      options: {
        "lie-at-node": { type: "string" },
        quiet: { type: "boolean", default: false },
        llm: { type: "boolean", default: false },
      },
    });
    const lie = values["lie-at-node"];
    const lieAtNode = lie === undefined ? undefined : Number(lie);
    if (lieAtNode !== undefined && !Number.isInteger(lieAtNode))
      throw new OpmlError(`--lie-at-node ${lie}: not a node index`);
    process.exitCode = (await runDemo({ lieAtNode, verbose: !values.quiet, llm: values.llm })) ? 0 : 1;
  } catch (err) {
    if (!(err instanceof OpmlError) && !(err instanceof RangeError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  }
}
