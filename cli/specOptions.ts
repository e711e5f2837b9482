/**
 * The one configuration surface as commander options: each command lists only the specs it uses
 * (daemon/config.ts), each with its OPML_* twin and default in the help, plus `--config <file>`.
 */
import { Command, Option } from "commander";
import { COMMON_OPTIONS, envOf, flagOf, type OptionSpec } from "../daemon/config.ts";

/** The specs of COMMON_OPTIONS with these names, in that order. */
export function pickOptions(...names: string[]): OptionSpec[] {
  return names.map((n) => {
    const spec = COMMON_OPTIONS.find((s) => s.name === n);
    if (!spec) throw new Error(`no option ${n} in COMMON_OPTIONS`);
    return spec;
  });
}

/** Where a one-shot command reads: the RPC URL, the oracle, and the files they default to. */
export const READ_OPTIONS: readonly OptionSpec[] = pickOptions(
  "rpcUrl",
  "oracle",
  "deployment",
  "stateFile",
  "rpcTimeoutMs",
);

/** READ_OPTIONS and the ways to sign. */
export const SEND_OPTIONS: readonly OptionSpec[] = [
  ...READ_OPTIONS,
  ...pickOptions("privateKey", "keystore", "passwordFile", "signerUrl", "signerAddress"),
];

/** Adds `--config` and one option per spec (the description names its env twin and default). */
export function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
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

/** The pre-unification names `--rpc` and `--key`, accepted but not shown. */
export function addHiddenAliases(cmd: Command): Command {
  return cmd
    .addOption(new Option("--rpc <url>", "same as --rpc-url").hideHelp())
    .addOption(new Option("--key <hex>", "same as --private-key").hideHelp());
}

/** Commander's flags with the hidden aliases folded into their names. */
export function unaliased(flags: Record<string, unknown>): Record<string, unknown> {
  const { rpc, key, ...rest } = flags;
  return { ...rest, ...(rpc !== undefined && { rpcUrl: rpc }), ...(key !== undefined && { privateKey: key }) };
}
