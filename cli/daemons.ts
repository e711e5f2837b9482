/**
 * `opml submitter`, `opml challenger`, `opml config`, `opml request`, `opml status`,
 * `opml finalize`: the daemons and the dapp-side commands. Every option has an OPML_* twin and
 * may come from a JSON file (--config); `opml config <role>` shows what resolved, from where.
 * The commands' work is loaded only when one runs (cli/daemonRun.ts, cli/dappActions.ts), so that
 * `opml --help` starts fast.
 */
import { Command, InvalidArgumentError } from "commander";
import { roleOptions, resolveConfig, showConfig, type OptionSpec } from "../daemon/config.ts";
import { addOptions, SEND_OPTIONS, READ_OPTIONS } from "./specOptions.ts";
import { ensureTypeScript } from "./sourceImport.ts";

export const SUBMITTER_OPTIONS: readonly OptionSpec[] = [
  ...roleOptions("submitter"),
  { name: "models", kind: "list", description: "served models as id=model-file (comma-separated)", default: [] },
  {
    name: "lieAtNode",
    kind: "int",
    description:
      "TESTS ONLY, devnet only: claim a wrong output, lying at this node, and defend the lie to the on-chain step",
  },
];
export const CHALLENGER_OPTIONS: readonly OptionSpec[] = [
  ...roleOptions("challenger"),
  { name: "models", kind: "list", description: "re-executed models as id=model-file (comma-separated)", default: [] },
  {
    name: "mode",
    kind: "string",
    description: "watch (report only, no key) or defend (challenge and play)",
    default: "watch",
  },
];
/** A commander parser for a uint256 id (model, request): digits only, not zero. */
function idArgument(what: string) {
  return (value: string): bigint => {
    if (!/^\d{1,78}$/.test(value) || BigInt(value) === 0n || BigInt(value) >= 1n << 256n)
      throw new InvalidArgumentError(`${what} must be a positive integer (a number, not a name).`);
    return BigInt(value);
  };
}

/** A commander parser for a non-negative integer option below 2^32. */
function countArgument(what: string) {
  return (value: string): number => {
    if (!/^\d{1,10}$/.test(value) || Number(value) >= 2 ** 32)
      throw new InvalidArgumentError(`${what} must be an integer in [0, 2^32).`);
    return Number(value);
  };
}

/** A commander parser for a gas amount: a non-negative integer below 2^32. */
function gasArgument(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) >= 2 ** 32)
    throw new InvalidArgumentError("the callback gas must be an integer in [0, 2^32).");
  return Number(value);
}

/** A commander parser for --wait: seconds, at most a day. */
function waitArgument(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 86_400)
    throw new InvalidArgumentError("--wait takes seconds in [1, 86400].");
  return Number(value);
}

const EXAMPLES_SUBMITTER = `
Examples:
  $ opml submitter --oracle 0x… --private-key 0x… --models 1=mlp.opml
  $ OPML_ORACLE=0x… OPML_PRIVATE_KEY=0x… OPML_MODELS=1=mlp.opml opml submitter --pretty
  $ opml submitter --keystore key.json --password-file pw.txt --models 1=mlp.opml   # oracle from .opml/
  $ opml submitter --signer-url http://127.0.0.1:8550 --models 1=mlp.opml          # a remote signer
  $ opml config submitter --config submitter.json     # what would run, and from where`;

export function registerDaemonCommands(program: Command): void {
  addOptions(
    program.command("submitter").description("Serve models: claim requests, defend claims, finalize, collect."),
    SUBMITTER_OPTIONS,
  )
    .addHelpText("after", EXAMPLES_SUBMITTER)
    .action(async (flags: Record<string, unknown>) => {
      await ensureTypeScript();
      const { runDaemon } = await import("./daemonRun.ts");
      await runDaemon("submitter", SUBMITTER_OPTIONS, flags);
    });

  addOptions(
    program
      .command("challenger")
      .description("Watchtower: re-execute every claim; report (watch) or challenge and play (defend)."),
    CHALLENGER_OPTIONS,
  )
    .addHelpText(
      "after",
      `
Examples:
  $ opml challenger --oracle 0x… --models 1=mlp.opml                       # watch: report only, no key
  $ opml challenger --oracle 0x… --models 1=mlp.opml --mode defend --private-key 0x…`,
    )
    .action(async (flags: Record<string, unknown>) => {
      await ensureTypeScript();
      const { runDaemon } = await import("./daemonRun.ts");
      await runDaemon("challenger", CHALLENGER_OPTIONS, flags);
    });

  const config = program
    .command("config")
    .description("Show a daemon's resolved configuration with the source of each value (keys redacted).")
    .addHelpText(
      "after",
      "\nExample:\n  $ OPML_MODE=defend opml config challenger --config challenger.json --poll-ms 500",
    );
  for (const [role, specs] of [
    ["submitter", SUBMITTER_OPTIONS],
    ["challenger", CHALLENGER_OPTIONS],
  ] as const) {
    addOptions(config.command(role).description(`the ${role}'s configuration`), specs).action(
      async (flags: Record<string, unknown>) => {
        const cfg = resolveConfig(specs, flags);
        const { applyFallbacks } = await import("./chainTarget.ts");
        applyFallbacks(cfg, false);
        console.log(showConfig(cfg));
      },
    );
  }

  addOptions(
    program
      .command("request")
      .description(
        "Request an inference (pays the exact fee); prints the request id. A generation model takes a prompt instead.",
      ),
    SEND_OPTIONS,
  )
    .requiredOption("--model <id>", "model id (`opml devnet` prints the demo models' ids)", idArgument("the model id"))
    .option("--input <hex>", "input tensor bytes, 0x hex")
    .option("--prompt <text>", "generation models over bytes: the prompt's UTF-8 bytes are its tokens")
    .option("--prompt-tokens <ids>", "generation models: the prompt's token ids, comma-separated")
    .option("--max-new <n>", "generation: new tokens to generate", countArgument("--max-new"), 16)
    .option(
      "--top-k <k>",
      "generation: 1 greedy (default), 0 every token, k the k most likely",
      countArgument("--top-k"),
      1,
    )
    .option(
      "--inv-temp <q16>",
      "generation: inverse temperature, Q16 (docs/protocol.md §4.4)",
      countArgument("--inv-temp"),
      0,
    )
    .option("--seed <n>", "generation: sampling seed (uint32)", countArgument("--seed"), 0)
    .option("--callback <address>", "consumer contract to call at finalization")
    .option("--callback-gas <n>", "gas for the callback", gasArgument, 0)
    .option("--wait [seconds]", "wait for the result (at most this long, default 600 s) and print it", waitArgument)
    .addHelpText(
      "after",
      "\nExamples:\n  $ opml request --oracle 0x… --private-key 0x… --model 1 --input 0x00010203…" +
        '\n  $ opml request --oracle 0x… --private-key 0x… --model 7 --prompt "Once upon a " --max-new 24',
    )
    .action(async (flags: Record<string, unknown>) => {
      const { requestAction } = await import("./dappActions.ts");
      await requestAction(SEND_OPTIONS, flags);
    });

  addOptions(
    program
      .command("status")
      .description("Show a request's status and its active claim: dates, and how long until it finalizes."),
    READ_OPTIONS,
  )
    .argument("<requestId>", "the request", idArgument("the request id"))
    .option("--json", "print the status as JSON (unix seconds, wei)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ opml status 1                      # on the deployment or the running devnet" +
        "\n  $ opml status 1 --oracle 0x… --rpc-url http://127.0.0.1:8545 --json",
    )
    .action(async (id: bigint, flags: Record<string, unknown>) => {
      const { statusAction } = await import("./dappActions.ts");
      await statusAction(READ_OPTIONS, id, flags);
    });

  addOptions(
    program.command("finalize").description("Finalize a request whose claim's window has passed with no open game."),
    SEND_OPTIONS,
  )
    .argument("<requestId>", "the request", idArgument("the request id"))
    .addHelpText(
      "after",
      "\nExample:\n  $ opml finalize 1 --oracle 0x… --private-key 0x…   # after the challenge window",
    )
    .action(async (id: bigint, flags: Record<string, unknown>) => {
      const { finalizeAction } = await import("./dappActions.ts");
      await finalizeAction(SEND_OPTIONS, id, flags);
    });
}
