import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { dirname, relative, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { OpmlError } from "../common/errors.ts";
import { DEFAULT_DEVNET_STATE_FILE, removeDevnetState, writeDevnetState } from "../devnet/devnetState.ts";
import { registerDaemonCommands } from "./daemons.ts";
import { registerDisputeCommands } from "./disputeCommands.ts";
import { registerBenchCommand } from "./benchCommand.ts";
import { registerKeyCommands } from "./keyCommands.ts";
import { ensureTypeScript } from "./sourceImport.ts";
import { registerDeployCommand } from "./deployCommand.ts";

/** package.json's version. */
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}].`);
    }
    return n;
  };
}

/** The devnet's block time: seconds between blocks, or 0 for no interval mining. */
function blockTimeOption(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n > 86_400)
    throw new InvalidArgumentError("must be a number of seconds in [0, 86400] (0: no interval mining).");
  return n;
}

/** `opml devnet`'s default: a block every second besides one per transaction. */
export const DEFAULT_DEVNET_BLOCK_TIME = 1;

const EXAMPLES = `
Examples:
  $ opml devnet                              # a local chain with the system deployed
  $ opml model compile mlp && opml model register mlp.opml
  $ opml model inspect mlp.opml --trace
  $ opml request --help                      # then: status, finalize
  $ opml dispute show 1
  $ opml bench hash merkle

Every command has --help with its options and examples.`;

interface DevnetCommandOptions {
  port: number;
  host: string;
  deploy: boolean;
  accounts: number;
  chainId: number;
  blockTime: number;
  stateFile: string;
  verbose: boolean;
  models: string[];
}

/** Resolves on SIGINT/SIGTERM (with the signal) or when anvil exits by itself (with null). */
function untilStopped(anvilExited: Promise<unknown>): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    void anvilExited.then(() => resolve(null));
  });
}

async function devnetAction(opts: DevnetCommandOptions): Promise<void> {
  // Loaded here, not at the top: `opml --help` must not pay for the compiler and the models.
  await ensureTypeScript();
  const { formatDaemonCommands, formatDevnet, startDevnet, writeDevnetModels } =
    await import("../devnet/startDevnet.ts");
  const devnet = await startDevnet({
    port: opts.port,
    host: opts.host,
    accounts: opts.accounts,
    chainId: opts.chainId,
    blockTime: opts.blockTime || undefined,
    deploy: opts.deploy,
    verbose: opts.verbose,
    models: opts.models,
    log: (line) => console.error(line),
  });
  const { anvil } = devnet;
  const stateDir = dirname(resolve(opts.stateFile));
  const files = writeDevnetModels(devnet, stateDir);
  const path = writeDevnetState(devnet.state, opts.stateFile);
  console.log(formatDevnet(devnet, opts.deploy));
  const commands = formatDaemonCommands(devnet, stateDir);
  if (commands.length > 0) console.log(["", ...commands].join("\n"));
  const show = (p: string) => {
    const r = relative(process.cwd(), p);
    return r.startsWith("..") ? p : r;
  };
  console.log(`\nWrote ${[path, ...files].map(show).join(", ")}.`);
  console.log("Running. Press Ctrl-C to stop.");

  const signal = await untilStopped(anvil.exited);
  removeDevnetState(anvil.pid, opts.stateFile);
  if (signal === null) {
    console.error(`anvil (pid ${anvil.pid}) exited by itself with ${String(await anvil.exited)}; devnet stopped.`);
    process.exitCode = 1;
    return;
  }
  console.log(`\n${signal}: stopping anvil...`);
  await anvil.stop();
  console.log("Devnet stopped.");
}

/**
 * The model commands import the model compiler, the ONNX importer and the VM (seconds): they are
 * loaded only for `opml model …` (see {@link main}) or by {@link loadAllCommands}; without them
 * `opml model` is listed but has no subcommands.
 */
let modelCommands: typeof import("./modelCommands.ts") | undefined;

/** Loads every command's definition, so that {@link createProgram} builds the whole program. */
export async function loadAllCommands(): Promise<void> {
  await ensureTypeScript();
  modelCommands ??= await import("./modelCommands.ts");
}

/** The first argument that is not an option: the command `argv` runs. */
function commandOf(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith("-"));
}

/** The `opml` command (call {@link loadAllCommands} first for `opml model`'s subcommands). */
export function createProgram(): Command {
  const program = new Command("opml")
    .description("opML: optimistic machine learning with fraud proofs.")
    .version(VERSION, "-V, --version", "print the version")
    .showHelpAfterError()
    .addHelpText("after", EXAMPLES);

  program
    .command("devnet")
    .description(
      "Start a local anvil chain with deterministic dev accounts, deploy the opML contracts, register " +
        "the demo model(s), write their .opml files, record them in the state file, print the daemons' " +
        "commands, and run until Ctrl-C. A block is mined every second and on each transaction.",
    )
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", intOption("port", 0, 65535), 8545)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--no-deploy", "start the chain without deploying contracts")
    .option("--accounts <n>", "number of funded dev accounts", intOption("accounts", 1, 1000), 10)
    .option("--chain-id <id>", "chain id", intOption("chain id", 1, Number.MAX_SAFE_INTEGER), 31337)
    .option(
      "--block-time <seconds>",
      "interval mining: a block every N seconds besides one per transaction, so chain time follows the " +
        "wall clock; 0 mines on transactions only",
      blockTimeOption,
      DEFAULT_DEVNET_BLOCK_TIME,
    )
    .option("--state-file <path>", "where to record the RPC URL, accounts and addresses", DEFAULT_DEVNET_STATE_FILE)
    .option("-v, --verbose", "forward anvil's own log to stderr", false)
    .option(
      "--models <names>",
      "more models to register besides tiny-mlp, comma-separated (mlp, cnn, gpt; trained: fmnist-mlp, fmnist-cnn, byte-lm)",
      (v: string) => v.split(",").filter((s) => s.length > 0),
      [] as string[],
    )
    .addHelpText(
      "after",
      `
The dev accounts come from Anvil's public test mnemonic: their keys are printed and are
known to everyone. Use them only on this local chain.

Examples:
  $ opml devnet                      # anvil on 127.0.0.1:8545, contracts deployed
  $ opml devnet --port 0             # any free port (printed)
  $ opml devnet --no-deploy          # just the chain
  $ opml devnet --models mlp,fmnist-cnn  # also register mlp and the trained CNN (ids printed)
  $ opml devnet --block-time 5       # a block every 5 s (and one per transaction)
  $ opml devnet --block-time 0       # blocks on transactions only: chain time stands still between them
  $ npm run opml -- devnet -p 9545   # from the repository, through npm`,
    )
    .action(devnetAction);

  registerDeployCommand(program);
  const model = program
    .command("model")
    .description("Compile a model into the opML model file, inspect one, register one with the oracle.")
    .addHelpText(
      "after",
      `
Examples:
  $ opml model compile mlp && opml model inspect mlp.opml && opml model register mlp.opml
  $ opml model compile --help                   # inputs, calibration, tiling`,
    );
  modelCommands?.registerModelCommands(model);
  registerDaemonCommands(program);
  registerDisputeCommands(program);
  registerBenchCommand(program);
  registerKeyCommands(program);
  return program;
}

/**
 * Runs `opml` with `argv` (process.argv shape); typed errors, and the chain client's failures as
 * `ChainError`, are printed plainly, exit code 1.
 */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    if (commandOf(argv) === "model") await loadAllCommands();
    await createProgram().parseAsync(argv);
  } catch (thrown) {
    const { toCliError } = await import("./toCliError.ts");
    const err = toCliError(thrown);
    if (err instanceof OpmlError) {
      // One paragraph: what is wrong and what to do; the cause's dump (a viem error's request
      // body, an ABI) stays out.
      console.error(`error: ${err.shortMessage}${err.details ? `\n${err.details}` : ""}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
