/**
 * `opml model compile|inspect|register`: import or name a model, compile it into the versioned
 * model file, read one back with its commitment, and register one with the OpmlOracle.
 */
import { existsSync } from "node:fs";
import { basename, extname } from "node:path";
import {
  BaseError,
  bytesToHex,
  hexToBytes,
  isHex,
  parseGwei,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
} from "viem";
import { Command, InvalidArgumentError } from "commander";
import { MODEL_TERMS } from "../chain/deploy.ts";
import { DEFENDER_FULL_GAME_GAS } from "../chain/bondSizing.ts";
import { REFERENCE_OPEN_SECONDS, REFERENCE_VM_STEPS_PER_SECOND } from "../chain/phase2Sizing.ts";
import { checkChallengerBond, checkPhase2Extension } from "./registerChecks.ts";
import { checkModelTerms, MAX_CALLBACK_GAS, type ModelTerms } from "../chain/modelTerms.ts";
import { registerModel } from "../devnet/deployManifest.ts";
import { Progress } from "../common/progress.ts";
import { OpmlError } from "../common/errors.ts";
import { DEFAULT_MAX_STEPS } from "../dnn-lib/src/model/compileGraph.ts";
import { compileWithProgress, type ModelCommitment } from "../phase/compileModel.ts";
import { MODEL_MAGIC } from "../dnn-lib/src/model/modelFile.ts";
import { writeModelFile } from "../dnn-lib/src/model/writeModelFile.ts";
import { ModelFileReader } from "../dnn-lib/src/model/ModelFileReader.ts";
import { opmlOracleAbi } from "../sdk/abi.ts";
import { collectConfig } from "../daemon/config.ts";
import { connectChain, signerOf } from "./chainTarget.ts";
import { addHiddenAliases, addOptions, SEND_OPTIONS, unaliased } from "./specOptions.ts";
import { BadInputError, ChainError, ModelAlreadyRegisteredError, ModelNotFoundError } from "./errors.ts";
import {
  DEFAULT_CALIBRATION_SAMPLES,
  DEMO_MODELS,
  loadModelSource,
  type SourceAgreement,
} from "../dnn-lib/models/modelSource.ts";
import { formatCommitment, formatNodes, formatSlots, summarizeModel } from "./modelSummary.ts";
import { traceModel } from "./traceModel.ts";
import type { GenerationOptions } from "../dnn-lib/src/generation/unrollGeneration.ts";

interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

const progressFor = (o: OutputFlags) => new Progress({ silent: o.json === true || o.quiet === true });
const print = (o: OutputFlags, data: unknown, lines: () => string[]) =>
  console.log(o.json ? JSON.stringify(data, null, 2) : lines().join("\n"));

function maxSteps(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1000 || n > DEFAULT_MAX_STEPS)
    throw new InvalidArgumentError(`must be an integer in [1000, ${DEFAULT_MAX_STEPS}].`);
  return n;
}

/** A commander parser for a whole number of `unit` (wei, seconds, gas). */
function wholeNumber(unit: string) {
  return (value: string): bigint => {
    if (!/^\d{1,78}$/.test(value)) throw new InvalidArgumentError(`must be a whole number of ${unit}.`);
    return BigInt(value);
  };
}
const weiAmount = wholeNumber("wei");

function gweiAmount(value: string): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError("must be a number of gwei, e.g. 1.5.");
  return parseGwei(value);
}

const DEMO_LIST = Object.entries(DEMO_MODELS)
  .map(([name, what]) => `  ${name.padEnd(9)} ${what}`)
  .join("\n");

// ------------------------------------------------------------------ compile

interface GenerateFlags {
  generate?: number;
  maxNew?: number;
  endToken?: number;
}

interface CompileFlags extends OutputFlags, GenerateFlags {
  output?: string;
  calibration?: string;
  eval?: string;
  maxSteps?: number;
}

/** An integer option of at least `min`. */
function integer(what: string, min: number) {
  return (value: string): number => {
    if (!/^\d{1,9}$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}.`);
    return Number(value);
  };
}

/** `--generate` and its companions, as loadModelSource's `generate` option. */
function generateOption(flags: GenerateFlags): { generate?: GenerationOptions } {
  if (flags.generate === undefined) {
    if (flags.maxNew !== undefined || flags.endToken !== undefined)
      throw new BadInputError("--max-new and --end-token need --generate <context>");
    return {};
  }
  return {
    generate: {
      context: flags.generate,
      ...(flags.maxNew !== undefined && { maxNew: flags.maxNew }),
      ...(flags.endToken !== undefined && { endToken: flags.endToken }),
    },
  };
}

/** Adds `--generate`, `--max-new`, `--end-token` to a command. */
function withGenerateOptions(cmd: Command): Command {
  return cmd
    .option(
      "--generate <context>",
      "make a generation model of the decoder (docs/protocol.md §4.4): prompt and new tokens together at most <context>",
      integer("--generate", 2),
    )
    .option(
      "--max-new <n>",
      "with --generate: most new tokens a request may ask for [default: context − 1]",
      integer("--max-new", 1),
    )
    .option("--end-token <id>", "with --generate: the token that ends generation", integer("--end-token", 0));
}

/** The quantized model against onnxruntime float, for the compile summary. */
function formatAgreement(a: SourceAgreement): string[] {
  return [
    `Quantized vs float (onnxruntime) on ${a.inputs} ${a.on === "calibration inputs" ? a.on : `inputs of ${a.on}`}: top-1 agreement ${(100 * a.top1).toFixed(1)}% of ${a.rows.toLocaleString("en-US")} rows, mean cosine ${a.cosine.toFixed(4)}`,
  ];
}

async function compileAction(ref: string, flags: CompileFlags): Promise<void> {
  const progress = progressFor(flags);
  const source = await loadModelSource(ref, {
    calibration: flags.calibration,
    measure: flags.eval ?? true,
    progress,
    ...generateOption(flags),
  });
  const compiled = await compileWithProgress(source.model, progress, flags.maxSteps);
  const out = flags.output ?? `${source.kind === "demo" ? ref : basename(ref, extname(ref))}.opml`;
  // Written chunk by chunk: a model past 4 GiB of weights never sits in one buffer.
  const bytes = await writeModelFile(out, compiled.model);
  const s = summarizeModel(compiled);
  const agreement = source.agreement;
  print(flags, { file: out, bytes, source: source.kind, ...(agreement && { agreement }), ...s }, () => [
    `Wrote ${out} (${bytes.toLocaleString("en-US")} bytes): model "${s.name}", ${s.nodes.length} nodes, ${compiled.model.weights.length} weight tensors.`,
    ...(agreement ? formatAgreement(agreement) : []),
    "",
    ...formatCommitment(s.commitment),
    "",
    ...formatNodes(s, false),
  ]);
}

// ------------------------------------------------------------------ inspect

interface InspectFlags extends OutputFlags {
  trace?: boolean;
  input?: string;
  backend?: string;
}

async function inspectAction(path: string, flags: InspectFlags): Promise<void> {
  if (!existsSync(path))
    throw new ModelNotFoundError(`no model file at ${path}`, {
      details: "give a file written by `opml model compile`",
    });
  // Read without one buffer (a model past 4 GiB); typed: ModelFormatError, ModelUnsupportedError, ModelGraphError.
  const file = ModelFileReader.open(path);
  try {
    await file.readWeights();
  } finally {
    file.close();
  }
  const { model } = file;
  const progress = progressFor(flags);
  const compiled = await compileWithProgress(model, progress);
  const header = {
    file: path,
    bytes: file.length,
    format: MODEL_MAGIC,
    version: file.version,
    checksum: bytesToHex(file.checksum!),
  };
  let trace: Awaited<ReturnType<typeof traceModel>> | undefined;
  if (flags.trace) {
    let input: Uint8Array = new Uint8Array(model.inputLength);
    if (flags.input !== undefined) {
      if (!isHex(flags.input, { strict: true }))
        throw new BadInputError("--input is not 0x hex", { details: `got ${flags.input.slice(0, 20)}` });
      input = hexToBytes(flags.input);
    }
    const backend = flags.backend ?? "native";
    if (backend !== "native" && backend !== "webgpu")
      throw new BadInputError(`unknown --backend ${backend}`, { details: "native or webgpu" });
    trace = await traceModel(compiled, input, progress, backend);
  }
  const s = summarizeModel(compiled);
  print(flags, { header, ...s, ...(trace ? { trace } : {}) }, () => {
    const lines = [
      `${path}: ${header.format} version ${header.version}, ${header.bytes.toLocaleString("en-US")} bytes, checksum ok (${header.checksum})`,
      `Model "${s.name}": input ${s.inputLength} bytes (scale ${s.inputScale}), output scale ${s.outputScale}`,
      "",
      ...formatNodes(s, true),
      "",
      ...formatSlots(s),
      "",
      ...formatCommitment(s.commitment),
    ];
    if (trace) {
      lines.push("", "VM trace (exact steps on the given input, vs the compiler's bound):");
      for (const t of trace)
        lines.push(
          `  ${String(t.index).padStart(3)}  ${t.op.padEnd(10)} ${t.steps.toLocaleString("en-US").padStart(14)} steps  (bound ${t.estimate.toLocaleString("en-US")})`,
        );
    }
    return lines;
  });
}

// ------------------------------------------------------------------ register

interface RegisterFlags extends OutputFlags, GenerateFlags {
  calibration?: string;
  maxSteps?: number;
  challengerBond?: bigint;
  submitterBond?: bigint;
  fee?: bigint;
  feePerCallbackGas?: bigint;
  challengeWindow?: bigint;
  maxCallbackGas?: bigint;
  gasPrice?: bigint;
  allowSmallBond?: boolean;
}

/** The id of a registered model with the same commitment (roots, node count, slots, lengths), if any. */
export async function findRegisteredModel(
  client: PublicClient<Transport, Chain>,
  oracle: Address,
  c: ModelCommitment,
): Promise<bigint | undefined> {
  const count = await client.readContract({ address: oracle, abi: opmlOracleAbi, functionName: "modelCount" });
  for (let id = 1n; id <= count; id++) {
    const m = await client.readContract({ address: oracle, abi: opmlOracleAbi, functionName: "getModel", args: [id] });
    if (
      m.programRoot === bytesToHex(c.programRoot) &&
      m.graphRoot === bytesToHex(c.graphRoot) &&
      m.weightsRoot === bytesToHex(c.weightsRoot) &&
      m.nodeCount === c.nodeCount &&
      m.inputSlot === c.inputSlot &&
      m.inputLength === c.inputLength &&
      m.inputTokenBound === c.inputTokenBound &&
      m.outputSlot === c.outputSlot &&
      m.outputLength === c.outputLength
    )
      return id;
  }
  return undefined;
}

async function registerAction(ref: string, flags: RegisterFlags): Promise<void> {
  const terms: ModelTerms = {
    fee: flags.fee ?? MODEL_TERMS.fee,
    feePerCallbackGas: flags.feePerCallbackGas ?? MODEL_TERMS.feePerCallbackGas,
    submitterBond: flags.submitterBond ?? MODEL_TERMS.submitterBond,
    challengerBond: flags.challengerBond ?? MODEL_TERMS.challengerBond,
    challengeWindow: flags.challengeWindow ?? MODEL_TERMS.challengeWindow,
    maxCallbackGas: flags.maxCallbackGas === undefined ? MODEL_TERMS.maxCallbackGas : Number(flags.maxCallbackGas),
  };
  checkModelTerms(terms);
  const target = await connectChain(collectConfig(SEND_OPTIONS, unaliased({ ...flags })), {
    needKey: true,
    devnetKey: true,
  });
  const wallet = signerOf(target);
  const clients = { chain: wallet.chain, publicClient: target.publicClient, walletClient: wallet };
  await checkChallengerBond(target.publicClient, target.oracle, terms.challengerBond, flags);
  const progress = progressFor(flags);
  const source = await loadModelSource(ref, { calibration: flags.calibration, progress, ...generateOption(flags) });
  const compiled = await compileWithProgress(source.model, progress, flags.maxSteps);
  const existing = await findRegisteredModel(target.publicClient, target.oracle, compiled.commitment);
  if (existing !== undefined)
    throw new ModelAlreadyRegisteredError(
      existing,
      `oracle ${target.oracle} on chain ${target.chainId} holds model ${existing} with the same programRoot, graphRoot, weightsRoot, node count and slots; request inferences from it as is`,
    );
  await checkPhase2Extension(target.publicClient, target.oracle, compiled.nodeSteps);
  const task = progress.start(`Registering "${compiled.model.name}" with the oracle`);
  let r: Awaited<ReturnType<typeof registerModel>>;
  try {
    r = await registerModel(clients, target.oracle, compiled, terms);
  } catch (err) {
    if (err instanceof OpmlError || !(err instanceof BaseError)) throw err;
    throw new ChainError("the registration was not accepted", {
      details: `${err.shortMessage} (registrar ${wallet.account.address})`,
      cause: err,
    });
  }
  task.done(`tx ${r.txHash}`);
  const s = summarizeModel(compiled);
  const data = {
    modelId: r.modelId.toString(),
    name: s.name,
    chainId: target.chainId,
    oracle: target.oracle,
    tx: r.txHash,
    gasUsed: r.gasUsed.toString(),
    commitment: s.commitment,
    terms: Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, String(v)])),
  };
  print(flags, data, () => [
    `Registered "${s.name}" as model ${r.modelId} (oracle ${target.oracle}, chain ${target.chainId}, tx ${r.txHash}, gas ${r.gasUsed}).`,
    `Terms: fee ${terms.fee} wei + ${terms.feePerCallbackGas} wei per callback gas (at most ${terms.maxCallbackGas}), submitter bond ${terms.submitterBond} wei, challenger bond ${terms.challengerBond} wei, challenge window ${terms.challengeWindow} s.`,
    "",
    ...formatCommitment(s.commitment),
  ]);
}

// ------------------------------------------------------------------ wiring

/** Adds compile, inspect and register to `opml model` (cli/opml.ts makes it, and loads this module only when it runs). */
export function registerModelCommands(model: Command): void {
  const calibration = `calibration inputs: a JSON file of feeds ([{ "<input>": { "dims": [...], "data": [...] } }]) or a number of generated ones (default ${DEFAULT_CALIBRATION_SAMPLES}; a demo model draws them from its own data)`;

  const compile = model
    .command("compile")
    .description(
      "Import and quantize an ONNX file (or take a demo model), tile and compile it, write the model file, print its commitment and nodes.",
    )
    .argument("<model>", `an ONNX file, an .opml file, or a demo model name (${Object.keys(DEMO_MODELS).join(", ")})`)
    .option("-o, --output <file>", "where to write the model file [default: <name>.opml here]")
    .option("--calibration <file.json|n>", calibration)
    .option(
      "--eval <file.json>",
      "inputs to compare the quantized model with onnxruntime float on (top-1 agreement, cosine), feeds as for --calibration [default: the calibration inputs]",
    )
    .option("--max-steps <n>", `VM step budget per node; bigger nodes are tiled (default 2^32)`, maxSteps)
    .option("--json", "print the result as JSON (no progress)")
    .option("-q, --quiet", "no progress output");
  withGenerateOptions(compile)
    .addHelpText(
      "after",
      `
Demo models:
${DEMO_LIST}

Examples:
  $ opml model compile mlp                          # → mlp.opml, commitment and nodes printed
  $ opml model compile net.onnx -o net.opml --calibration calib.json --eval held-out.json
  $ opml model compile fmnist-cnn                   # the trained CNN, calibrated on training images
  $ opml model compile cnn --max-steps 1000000      # tile nodes over 1M VM steps
  $ opml model compile tiny-mlp --json | jq .commitment
  $ opml model compile byte-lm --generate 64 --max-new 48   # a generation model of the decoder
  $ opml model compile lm_decode.onnx --generate 48   # a key/value-cache decode-step export, as it is`,
    )
    .action(compileAction);

  model
    .command("inspect")
    .description(
      "Validate a model file and print its header, nodes (op, shapes, quantization, VM steps), tensor slots and commitment.",
    )
    .argument("<file>", "a model file (.opml)")
    .option("--trace", "also run every node in the VM on one input: exact steps vs the bound")
    .option("--input <hex>", "the input for --trace, 0x hex (default all zero)")
    .option("--backend <name>", "the run --trace checks the VM against: native (SIMD) or webgpu", "native")
    .option("--json", "print the result as JSON (no progress)")
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
A truncated, corrupt (checksum) or malformed file is refused with ModelFormatError, an unknown
version or section with ModelUnsupportedError, an inconsistent graph with ModelGraphError.

Examples:
  $ opml model inspect mlp.opml
  $ opml model inspect mlp.opml --trace             # VM run of every node, with progress
  $ opml model inspect mlp.opml --json | jq '.nodes[] | {op, steps}'`,
    )
    .action(inspectAction);

  withGenerateOptions(
    addHiddenAliases(
      addOptions(
        model
          .command("register")
          .description(
            "Register a model with the OpmlOracle on its terms (fee, bonds, window, callback gas) and print its id.",
          )
          .argument("<model>", "an .opml file, an ONNX file or a demo model name"),
        SEND_OPTIONS,
      ),
    ),
  )
    .option("--calibration <file.json|n>", calibration)
    .option("--max-steps <n>", "VM step budget per node (as for compile)", maxSteps)
    .option("--fee <wei>", `the fee per request [default: ${MODEL_TERMS.fee}]`, weiAmount)
    .option(
      "--fee-per-callback-gas <wei>",
      `wei per unit of callback gas, paid to the finalizer [default: ${MODEL_TERMS.feePerCallbackGas}]`,
      weiAmount,
    )
    .option("--submitter-bond <wei>", `the bond a claim carries [default: ${MODEL_TERMS.submitterBond}]`, weiAmount)
    .option(
      "--challenger-bond <wei>",
      `the bond a challenge carries [default: ${MODEL_TERMS.challengerBond}]`,
      weiAmount,
    )
    .option(
      "--challenge-window <seconds>",
      `how long a claim is open to challenges [default: ${MODEL_TERMS.challengeWindow}]`,
      wholeNumber("seconds"),
    )
    .option(
      "--max-callback-gas <gas>",
      `most gas a request may give its callback, at most ${MAX_CALLBACK_GAS} [default: ${MODEL_TERMS.maxCallbackGas}]`,
      wholeNumber("gas"),
    )
    .option("--gas-price <gwei>", "the gas price the bond check uses [default: the chain's]", gweiAmount)
    .option(
      "--allow-small-bond",
      "register even if the challenger bond, less the burn, is below the defender's full-game gas (warns)",
    )
    .option("--json", "print the result as JSON (no progress)")
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
A model whose commitment is registered already is refused (ModelAlreadyRegisteredError, with
its id): registering it twice would only split its requests.

The terms are checked as the oracle would before anything is compiled or sent (ModelTermsError
listing every problem): bonds and fees fit a uint96 and bonds are not zero, the challenge window
is at least 1 s, the callback gas at most ${MAX_CALLBACK_GAS}.

The challenger bond less the oracle's burn (its burnBps, read from the chain) is what a failed
challenger pays the honest defender: it must cover the defender's gas over a full worst-case
dispute (${DEFENDER_FULL_GAME_GAS} gas) at the gas price, so that every failed challenge pays the
defender's costs; a smaller bond is refused (BondTooSmallError, naming both amounts) unless
--allow-small-bond is given. An oracle that burns 100% is always warned about.

The deployed game's phase2Extension is checked against the model's largest node (protocol
§7.5): 2 × (its VM steps ÷ a reference ${REFERENCE_VM_STEPS_PER_SECOND} steps/s + ${REFERENCE_OPEN_SECONDS} s to open phase 2);
a shorter one is warned about (the deployment is immutable), and the model registered.

Examples:
  $ opml model register mlp.opml                    # on the running \`opml devnet\` (its account 0)
  $ opml model register cnn --json
  $ opml model register net.opml --rpc-url https://… --oracle 0x… --keystore key.json --password-file pw
  $ opml model register cnn --challenger-bond 100000000000000000 --gas-price 30
  $ opml model register mlp.opml --fee 2000000000000000 --submitter-bond 500000000000000000 --challenge-window 3600`,
    )
    .action(registerAction);
}
