/**
 * Differential test of the on-chain one-step verifier (contracts/src/vm/StepVerifier.sol) against
 * the TypeScript VM: real states of real programs (the opcode corpus, the spec-test modules,
 * random programs, dnn-lib kernels when built), each proved by the VM and stepped by the contract
 * on anvil with `eth_call`; the post-state hashes must be equal, and every opcode the VM accepts
 * must be covered; the TypeScript twin (`verifyStep`) must agree on the same proofs. `STEP_DIFF_STATES` (default 3000) sets how many spec/random/dnn states are
 * added to the corpus's; the per-opcode coverage is printed. Beside them, states the compiled tier
 * reached (every function compiled on first sight, the run stopped at random k inside compiled
 * loops): four long random programs and the largest matmul node of the `mlp` demo model, each run
 * asserted to have taken its steps in compiled code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { toHex } from "viem";
import { EXECUTED_OPCODES, verifyStep } from "../vm/index.ts";
import { compiledRandomCases, corpusCases, opClass, randomCases, specCases, type StepCase } from "../vm/tooling.ts";
import { compiledNodeCases, dnnCases } from "../contracts/tools/dnnCases.ts";
import { startStepChain, stepOnChain } from "../contracts/tools/stepChain.ts";

const EXTRA = Number(process.env.STEP_DIFF_STATES ?? 3000);

test("the contract's post-state hash equals the VM's on every sampled real state", { timeout: 900_000 }, async () => {
  const t0 = Date.now();
  const cases: StepCase[] = corpusCases();
  const nCorpus = cases.length;
  cases.push(...specCases(Math.floor(EXTRA * 0.4)));
  const nSpec = cases.length - nCorpus;
  const randomPrograms = Math.max(10, Math.floor((EXTRA * 0.55) / 75)); // about 75 steps each
  cases.push(...randomCases(randomPrograms, 1000));
  const nRandom = cases.length - nCorpus - nSpec;
  cases.push(...(await dnnCases(Math.max(30, Math.floor(EXTRA * 0.02)))));
  const nDnn = cases.length - nCorpus - nSpec - nRandom;
  const compiledRuns = [...compiledRandomCases(4, 12), await compiledNodeCases(24)];
  for (const r of compiledRuns) {
    assert.ok(r.compiledSteps > r.totalSteps / 2, `${r.source}: ${r.compiledSteps} of ${r.totalSteps} steps compiled`);
    assert.ok(r.inCompiledCode >= r.cases.length / 2, `${r.source}: ${r.inCompiledCode} states in compiled code`);
    cases.push(...r.cases);
  }
  const nCompiled = cases.length - nCorpus - nSpec - nRandom - nDnn;
  const tProve = Date.now() - t0;

  const chain = await startStepChain();
  try {
    const results = await stepOnChain(chain, cases);
    const mismatches: string[] = [];
    const perOp = new Map<string, number>();
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      const key = typeof c.op === "number" ? `0x${c.op.toString(16).padStart(2, "0")}` : c.op;
      perOp.set(key, (perOp.get(key) ?? 0) + 1);
      const want = toHex(c.postStateHash);
      const twin = toHex(verifyStep(c.preWitness, c.proof));
      if (twin !== toHex(c.postStateHash)) mismatches.push(`${c.source} op ${key}: TS verifyStep ${twin}`);
      if (!r.ok) mismatches.push(`${c.source} op ${key}: reverted ${r.error}`);
      else if (r.postStateHash !== want)
        mismatches.push(`${c.source} op ${key}: contract ${r.postStateHash}, VM ${want}`);
    }
    const classes = new Map<string, number>();
    for (const c of cases) classes.set(opClass(c.op), (classes.get(opClass(c.op)) ?? 0) + 1);
    console.log(
      `stepDiff: ${cases.length} states (corpus ${nCorpus}, spec ${nSpec}, random ${nRandom}, dnn ${nDnn}, ` +
        `compiled-tier runs ${nCompiled}); ` +
        `proving ${tProve} ms, chain ${Date.now() - t0 - tProve} ms; ${mismatches.length} mismatches`,
    );
    console.log(`stepDiff per class: ${[...classes].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    console.log(
      `stepDiff per opcode: ${[...perOp]
        .sort()
        .map(([k, v]) => `${k}:${v}`)
        .join(" ")}`,
    );
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
    const missing = EXECUTED_OPCODES.filter((o) => !perOp.has(`0x${o.toString(16).padStart(2, "0")}`));
    assert.deepEqual(
      missing.map((o) => `0x${o.toString(16)}`),
      [],
      "opcodes never stepped",
    );
    assert.ok(perOp.has("fixed") && perOp.has("cap"), "fixed points and the step cap are covered");
    assert.ok(nSpec > 0 && nDnn > 0, `every source contributes states (spec ${nSpec}, dnn ${nDnn})`);
    assert.ok(
      cases.some((c) => c.source.startsWith("compiled:mlp") && typeof c.op === "number"),
      "a real kernel node's compiled-run states were stepped by the contract",
    );
  } finally {
    await chain.stop();
  }
});
