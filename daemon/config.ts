/**
 * Daemon configuration: every option has a flag, an `OPML_*` environment twin and an optional
 * entry in a JSON config file. Precedence: flag > environment > file > default. The resolved
 * configuration remembers where each value came from, and {@link showConfig} prints it with
 * secrets redacted (a key is never printed, whatever its source).
 */
import { readFileSync } from "node:fs";
import { OpmlError } from "../common/errors.ts";

/**
 * The default cap on transactions sent and not yet mined. A 30M-gas block holds about 150 claims;
 * 256 lets a burst fill blocks (the load bench: 64 left them half full and doubled the p95 latency).
 */
export const DEFAULT_MAX_IN_FLIGHT = 256;

export type OptionKind = "string" | "int" | "bool" | "list";

export interface OptionSpec {
  /** camelCase name: the config file key; the flag is its kebab-case, the env var OPML_ + SNAKE_CASE. */
  name: string;
  kind: OptionKind;
  description: string;
  default?: string | number | boolean | string[];
  /** Never printed (private keys). */
  secret?: boolean;
}

/** `fallback`: the deployment file or the devnet state file (`fallbackFrom` names which). */
export type Source = "flag" | "env" | "file" | "fallback" | "default";
export type Value = string | number | boolean | string[];

export interface ResolvedConfig {
  values: Record<string, Value | undefined>;
  sources: Record<string, Source | undefined>;
  specs: readonly OptionSpec[];
  /** The config file read, if any. */
  file?: string;
  /** For each value taken from a fallback, the file it came from. */
  fallbackFrom: Record<string, string>;
  /** Every value that could not be used, one sentence each (see {@link collectConfig}). */
  problems: string[];
}

export class ConfigError extends OpmlError {
  override name = "ConfigError";
}

export const flagOf = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envOf = (name: string) => `OPML_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function parse(spec: OptionSpec, raw: unknown, where: string): Value {
  const bad = (expected: string) =>
    new ConfigError(`invalid ${spec.name} from ${where}`, {
      details: `expected ${expected}, got ${spec.secret ? "(redacted)" : JSON.stringify(raw)}`,
    });
  switch (spec.kind) {
    case "string":
      if (typeof raw !== "string" || raw === "") throw bad("a non-empty string");
      return raw;
    case "int": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < 0) throw bad("a non-negative integer");
      return n;
    }
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw bad("true or false");
    case "list":
      if (Array.isArray(raw) && raw.every((x) => typeof x === "string" || typeof x === "number"))
        return raw.map(String);
      if (typeof raw === "string")
        return raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      throw bad("a comma-separated list or an array");
  }
}

/**
 * Resolves every spec from `flags` (commander's parsed options; only explicitly given ones count),
 * `env`, and the JSON file named by the `config` flag or OPML_CONFIG. Unknown file keys and values
 * of the wrong kind are all collected in `problems`, not thrown one at a time.
 */
export function collectConfig(
  specs: readonly OptionSpec[],
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const file = (flags.config as string | undefined) ?? env.OPML_CONFIG;
  const problems: string[] = [];
  let fileValues: Record<string, unknown> = {};
  if (file) {
    try {
      fileValues = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (err) {
      problems.push(
        `cannot read config file ${file} (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
      );
    }
    if (typeof fileValues !== "object" || fileValues === null || Array.isArray(fileValues)) {
      problems.push(`config file ${file} is not a JSON object`);
      fileValues = {};
    }
    const known = new Set(specs.map((s) => s.name));
    const unknown = Object.keys(fileValues).filter((k) => !known.has(k));
    if (unknown.length) problems.push(`unknown keys in ${file}: ${unknown.join(", ")}`);
  }
  const values: ResolvedConfig["values"] = {};
  const sources: ResolvedConfig["sources"] = {};
  const take = (spec: OptionSpec, raw: unknown, where: string, source: Source) => {
    try {
      values[spec.name] = parse(spec, raw, where);
      sources[spec.name] = source;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(`${err.shortMessage}: ${err.details ?? ""}`.replace(/: $/, ""));
    }
  };
  for (const spec of specs) {
    const e = env[envOf(spec.name)];
    if (flags[spec.name] !== undefined) take(spec, flags[spec.name], flagOf(spec.name), "flag");
    else if (e !== undefined && e !== "") take(spec, e, envOf(spec.name), "env");
    else if (fileValues[spec.name] !== undefined) take(spec, fileValues[spec.name], file!, "file");
    else if (spec.default !== undefined) {
      values[spec.name] = spec.default;
      sources[spec.name] = "default";
    }
  }
  return { values, sources, specs, file, fallbackFrom: {}, problems };
}

/** Every problem at once, as one ConfigError (nothing when there is none). */
export function throwProblems(problems: readonly string[], details?: string): void {
  if (problems.length === 0) return;
  const [first] = problems;
  throw new ConfigError(
    problems.length === 1 ? first! : `${problems.length} problems with the configuration: ${problems.join("; ")}`,
    details !== undefined ? { details } : {},
  );
}

/** {@link collectConfig}, throwing one ConfigError that lists every problem. */
export function resolveConfig(
  specs: readonly OptionSpec[],
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const cfg = collectConfig(specs, flags, env);
  throwProblems(cfg.problems);
  return cfg;
}

/** The resolved configuration as lines `name = value (source)`, secrets redacted. */
export function showConfig(cfg: ResolvedConfig): string {
  const width = Math.max(...cfg.specs.map((s) => s.name.length));
  const lines = cfg.specs.map((s) => {
    const v = cfg.values[s.name];
    const shown =
      v === undefined ? "(unset)" : s.secret ? "(set, redacted)" : Array.isArray(v) ? v.join(",") : String(v);
    const src = cfg.sources[s.name];
    const from =
      src === "flag"
        ? flagOf(s.name)
        : src === "env"
          ? envOf(s.name)
          : src === "file"
            ? `file ${cfg.file}`
            : src === "fallback"
              ? `from ${cfg.fallbackFrom[s.name]}`
              : (src ?? "");
    return `${s.name.padEnd(width)} = ${shown}${from ? `  (${from})` : ""}`;
  });
  return lines.join("\n");
}

/**
 * How a command signs: a raw key, an encrypted keystore file (password from --password-file or
 * OPML_KEYSTORE_PASSWORD, never a flag), or a remote signer over JSON-RPC; one of them at most.
 */
export const SIGNER_OPTIONS: readonly OptionSpec[] = [
  {
    name: "privateKey",
    kind: "string",
    description: "signing key (0x hex; visible in ps, prefer --keystore); never logged",
    secret: true,
  },
  { name: "keystore", kind: "string", description: "Web3 Secret Storage v3 keystore file (`opml key new`)" },
  {
    name: "passwordFile",
    kind: "string",
    description: "file holding the keystore's password (else env OPML_KEYSTORE_PASSWORD)",
  },
  { name: "signerUrl", kind: "string", description: "remote signer's JSON-RPC URL (signs with eth_signTransaction)" },
  { name: "signerAddress", kind: "string", description: "the remote signer's account [default: its only one]" },
];

/** Where the RPC URL and the oracle come from when nothing else gives them. */
export const FALLBACK_OPTIONS: readonly OptionSpec[] = [
  {
    name: "deployment",
    kind: "string",
    description: "deployment file (`opml deploy`) the oracle address defaults to",
    default: ".opml/deployment.json",
  },
  {
    name: "stateFile",
    kind: "string",
    description: "devnet state file (`opml devnet`), the last fallback for the RPC URL and the oracle",
    default: ".opml/devnet.json",
  },
];

/** Options both daemons share. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: "rpcUrl", kind: "string", description: "JSON-RPC endpoint", default: "http://127.0.0.1:8545" },
  { name: "oracle", kind: "string", description: "OpmlOracle address" },
  ...SIGNER_OPTIONS,
  ...FALLBACK_OPTIONS,
  // No default here: each role has its own (roleOptions).
  {
    name: "dataDir",
    kind: "string",
    description:
      "data directory: journal, event cursor, claim and VM trace caches (deleting it only costs time); one daemon each, locked",
  },
  {
    name: "backend",
    kind: "string",
    description: "phase-1 runner: native (SIMD kernels) or webgpu (the same integer kernels in WGSL, Dawn)",
    default: "native",
  },
  { name: "pollMs", kind: "int", description: "chain poll interval in ms", default: 1000 },
  { name: "rpcTimeoutMs", kind: "int", description: "per-RPC timeout in ms", default: 15000 },
  { name: "rpcRetries", kind: "int", description: "attempts per RPC call", default: 4 },
  { name: "fromBlock", kind: "int", description: "first block to scan for events", default: 0 },
  {
    name: "maxInFlight",
    kind: "int",
    description: "transactions sent and not yet mined, at most (more wait, game moves first)",
    default: DEFAULT_MAX_IN_FLIGHT,
  },
  {
    name: "reorgMargin",
    kind: "int",
    description: "blocks rescanned before the data directory's saved event cursor after a restart",
    default: 12,
  },
  {
    name: "metricsPort",
    kind: "int",
    description: "serve Prometheus /metrics and /healthz on this port (unset: not served; 0: a free port, logged)",
  },
  {
    name: "metricsHost",
    kind: "string",
    description: "interface for --metrics-port (0.0.0.0 for every interface)",
    default: "127.0.0.1",
  },
  {
    name: "healthStaleMs",
    kind: "int",
    description: "/healthz answers 503 when no pass has read the chain for this long",
    default: 120000,
  },
  { name: "logLevel", kind: "string", description: "pino level (trace..fatal)", default: "info" },
  { name: "pretty", kind: "bool", description: "pretty logs instead of JSON lines", default: false },
];

/** COMMON_OPTIONS with the data directory defaulting to `.opml/<role>`, so that two daemons never share one by default. */
export function roleOptions(role: "submitter" | "challenger"): OptionSpec[] {
  return COMMON_OPTIONS.map((s) => (s.name === "dataDir" ? { ...s, default: `.opml/${role}` } : s));
}
