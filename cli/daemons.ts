/**
 * `opml submitter`, `opml challenger`, `opml config`, `opml request`, `opml status`,
 * `opml finalize`: the daemons and the dapp-side commands. Every option has an OPML_* twin and
 * may come from a JSON file (--config); `opml config <role>` shows what resolved, from where.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { ChallengerDaemon } from "../challenger/daemon.ts";
import {
  COMMON_OPTIONS,
  roleOptions,
  ConfigError,
  envOf,
  flagOf,
  resolveConfig,
  showConfig,
  type OptionSpec,
} from "../daemon/config.ts";
import { clientsFrom, daemonParts, loadServedModels, oracleFrom } from "../daemon/setup.ts";
import { getRequestStatus, requestGeneration, requestInference } from "../sdk/index.ts";
import { finalizeRequest } from "../sdk/operator/index.ts";
import { SubmitterDaemon } from "../submitter/daemon.ts";

export const SUBMITTER_OPTIONS: readonly OptionSpec[] = [
  ...roleOptions("submitter"),
  { name: "models", kind: "list", description: "served models as id=model-file (comma-separated)", default: [] },
  { name: "lieAtNode", kind: "int", description: "DEMO ONLY: claim wrong outputs, lying at this node" },
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

/** Token ids from a comma-separated list. */
function tokenList(text: string): number[] {
  const ids = text.split(",").map((t) => t.trim());
  if (ids.some((t) => !/^\d{1,10}$/.test(t)))
    throw new ConfigError("--prompt-tokens must be comma-separated token ids", { details: text });
  return ids.map(Number);
}

/** A commander parser for a gas amount: a non-negative integer below 2^32. */
function gasArgument(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) >= 2 ** 32)
    throw new InvalidArgumentError("the callback gas must be an integer in [0, 2^32).");
  return Number(value);
}

const CLIENT_OPTIONS: readonly OptionSpec[] = COMMON_OPTIONS.filter((s) =>
  [
    "rpcUrl",
    "oracle",
    "privateKey",
    "rpcTimeoutMs",
    "rpcRetries",
    "pollMs",
    "logLevel",
    "pretty",
    "fromBlock",
  ].includes(s.name),
);

function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  cmd.option("--config <file>", "JSON config file (keys: the camelCase option names); env OPML_CONFIG");
  for (const s of specs) {
    const flag = s.kind === "bool" ? flagOf(s.name) : `${flagOf(s.name)} <value>`;
    const o = new Option(
      flag,
      `${s.description} [env ${envOf(s.name)}${s.default !== undefined ? `, default ${String(s.default)}` : ""}]`,
    );
    cmd.addOption(o);
  }
  return cmd;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const on = () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve();
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/**
 * Builds a daemon from its parts, runs it until SIGINT or SIGTERM, then stops it and closes the
 * parts (metrics endpoint, data-directory lock); a failure to build closes them too.
 */
async function runUntilSignal(
  p: { logger: { info: (msg: string) => void }; stop: () => Promise<void> },
  build: () => Promise<{ start(): void; stop(): Promise<void> }>,
): Promise<void> {
  let d: Awaited<ReturnType<typeof build>>;
  try {
    d = await build();
  } catch (err) {
    await p.stop();
    throw err;
  }
  d.start();
  await untilSignal();
  p.logger.info("stopping");
  await d.stop();
  await p.stop();
}

const EXAMPLES_SUBMITTER = `
Examples:
  $ opml submitter --oracle 0x… --private-key 0x… --models 1=mlp.opml
  $ OPML_ORACLE=0x… OPML_PRIVATE_KEY=0x… OPML_MODELS=1=mlp.opml opml submitter --pretty
  $ opml config submitter --config submitter.json     # what would run, and from where`;

export function registerDaemonCommands(program: Command): void {
  addOptions(
    program.command("submitter").description("Serve models: claim requests, defend claims, finalize, collect."),
    SUBMITTER_OPTIONS,
  )
    .addHelpText("after", EXAMPLES_SUBMITTER)
    .action(async (flags: Record<string, unknown>) => {
      const cfg = resolveConfig(SUBMITTER_OPTIONS, flags);
      const p = await daemonParts(cfg, "submitter", cfg.values.lieAtNode !== undefined ? "lying(demo)" : "honest");
      await runUntilSignal(p, async () => {
        if (!p.walletClient)
          throw new ConfigError("the submitter needs a signing key (--private-key / OPML_PRIVATE_KEY)");
        const models = await loadServedModels(p.publicClient, p.oracle, cfg.values.models as string[], p.logger);
        return new SubmitterDaemon({
          ...p.options,
          client: p.walletClient,
          models,
          lieAtNode: cfg.values.lieAtNode as number | undefined,
        });
      });
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
      const cfg = resolveConfig(CHALLENGER_OPTIONS, flags);
      const mode = cfg.values.mode as string;
      if (mode !== "watch" && mode !== "defend") throw new ConfigError(`mode must be watch or defend, got ${mode}`);
      const p = await daemonParts(cfg, "challenger", mode);
      await runUntilSignal(p, async () => {
        const models = await loadServedModels(p.publicClient, p.oracle, cfg.values.models as string[], p.logger);
        return new ChallengerDaemon({
          ...p.options,
          client: mode === "defend" ? (p.walletClient ?? p.publicClient) : p.publicClient,
          mode,
          models,
        });
      });
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
      (flags: Record<string, unknown>) => {
        console.log(showConfig(resolveConfig(specs, flags)));
      },
    );
  }

  addOptions(
    program
      .command("request")
      .description(
        "Request an inference (pays the exact fee); prints the request id. A generation model takes a prompt instead.",
      ),
    CLIENT_OPTIONS,
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
    .addHelpText(
      "after",
      "\nExamples:\n  $ opml request --oracle 0x… --private-key 0x… --model 1 --input 0x00010203…" +
        '\n  $ opml request --oracle 0x… --private-key 0x… --model 7 --prompt "Once upon a " --max-new 24',
    )
    .action(async (flags: Record<string, unknown>) => {
      const cfg = resolveConfig(CLIENT_OPTIONS, flags);
      const { walletClient } = clientsFrom(cfg);
      if (!walletClient) throw new ConfigError("request needs a signing key (--private-key / OPML_PRIVATE_KEY)");
      const given = ["input", "prompt", "promptTokens"].filter((k) => flags[k] !== undefined);
      if (given.length !== 1)
        throw new ConfigError("request needs exactly one of --input, --prompt and --prompt-tokens", {
          details: given.length ? `given: ${given.join(", ")}` : "none given",
        });
      const common = {
        oracle: oracleFrom(cfg),
        modelId: flags.model as bigint,
        callback: flags.callback as `0x${string}` | undefined,
        callbackGasLimit: flags.callbackGas as number,
      };
      const r =
        flags.input !== undefined
          ? await requestInference(walletClient, { ...common, input: flags.input as `0x${string}` })
          : await requestGeneration(walletClient, {
              ...common,
              prompt:
                flags.prompt !== undefined
                  ? [...new TextEncoder().encode(flags.prompt as string)]
                  : tokenList(flags.promptTokens as string),
              maxNew: flags.maxNew as number,
              topK: flags.topK as number,
              invTemp: flags.invTemp as number,
              seed: flags.seed as number,
            });
      console.log(JSON.stringify({ requestId: r.requestId.toString(), tx: r.hash, fee: r.fee.toString() }));
    });

  addOptions(program.command("status").description("Show a request's status and its active claim."), CLIENT_OPTIONS)
    .argument("<requestId>", "the request", idArgument("the request id"))
    .addHelpText("after", "\nExample:\n  $ opml status 1 --oracle 0x… --rpc-url http://127.0.0.1:8545")
    .action(async (id: bigint, flags: Record<string, unknown>) => {
      const cfg = resolveConfig(CLIENT_OPTIONS, flags);
      const s = await getRequestStatus(clientsFrom(cfg).publicClient, {
        oracle: oracleFrom(cfg),
        requestId: id,
      });
      console.log(JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    });

  addOptions(
    program.command("finalize").description("Finalize a request whose claim's window has passed with no open game."),
    CLIENT_OPTIONS,
  )
    .argument("<requestId>", "the request", idArgument("the request id"))
    .addHelpText(
      "after",
      "\nExample:\n  $ opml finalize 1 --oracle 0x… --private-key 0x…   # after the challenge window",
    )
    .action(async (id: bigint, flags: Record<string, unknown>) => {
      const cfg = resolveConfig(CLIENT_OPTIONS, flags);
      const { walletClient } = clientsFrom(cfg);
      if (!walletClient) throw new ConfigError("finalize needs a signing key (--private-key / OPML_PRIVATE_KEY)");
      const r = await finalizeRequest(walletClient, { oracle: oracleFrom(cfg), requestId: id });
      console.log(JSON.stringify({ tx: r.hash, callbackDelivered: r.callbackDelivered ?? null }));
    });
}
