/**
 * Daemon configuration: every option has a flag, an `OPML_*` environment twin and an optional
 * entry in a JSON config file. Precedence: flag > environment > file > default. The resolved
 * configuration remembers where each value came from, and {@link showConfig} prints it with
 * secrets redacted (a key is never printed, whatever its source).
 */
import { readFileSync } from "node:fs";
import { OpmlError } from "../common/errors.ts";

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

export type Source = "flag" | "env" | "file" | "default";
export type Value = string | number | boolean | string[];

export interface ResolvedConfig {
  values: Record<string, Value | undefined>;
  sources: Record<string, Source | undefined>;
  specs: readonly OptionSpec[];
  /** The config file read, if any. */
  file?: string;
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
 * `env`, and the JSON file named by the `config` flag or OPML_CONFIG. Unknown file keys are an error.
 */
export function resolveConfig(
  specs: readonly OptionSpec[],
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const file = (flags.config as string | undefined) ?? env.OPML_CONFIG;
  let fileValues: Record<string, unknown> = {};
  if (file) {
    try {
      fileValues = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}`, { cause: err });
    }
    if (typeof fileValues !== "object" || fileValues === null || Array.isArray(fileValues)) {
      throw new ConfigError(`config file ${file} is not a JSON object`);
    }
    const known = new Set(specs.map((s) => s.name));
    const unknown = Object.keys(fileValues).filter((k) => !known.has(k));
    if (unknown.length) throw new ConfigError(`unknown keys in ${file}: ${unknown.join(", ")}`);
  }
  const values: ResolvedConfig["values"] = {};
  const sources: ResolvedConfig["sources"] = {};
  for (const spec of specs) {
    const e = env[envOf(spec.name)];
    if (flags[spec.name] !== undefined) {
      values[spec.name] = parse(spec, flags[spec.name], flagOf(spec.name));
      sources[spec.name] = "flag";
    } else if (e !== undefined && e !== "") {
      values[spec.name] = parse(spec, e, envOf(spec.name));
      sources[spec.name] = "env";
    } else if (fileValues[spec.name] !== undefined) {
      values[spec.name] = parse(spec, fileValues[spec.name], file!);
      sources[spec.name] = "file";
    } else if (spec.default !== undefined) {
      values[spec.name] = spec.default;
      sources[spec.name] = "default";
    }
  }
  return { values, sources, specs, file };
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
            : (src ?? "");
    return `${s.name.padEnd(width)} = ${shown}${from ? `  (${from})` : ""}`;
  });
  return lines.join("\n");
}

/** Options both daemons share. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: "rpcUrl", kind: "string", description: "JSON-RPC endpoint", default: "http://127.0.0.1:8545" },
  { name: "oracle", kind: "string", description: "OpmlOracle address" },
  { name: "privateKey", kind: "string", description: "signing key (0x hex); never logged", secret: true },
  // No default here: each role has its own (roleOptions).
  {
    name: "dataDir",
    kind: "string",
    description:
      "data directory: journal, event cursor, claim and VM trace caches (deleting it only costs time); one daemon each, locked",
  },
  { name: "pollMs", kind: "int", description: "chain poll interval in ms", default: 1000 },
  { name: "rpcTimeoutMs", kind: "int", description: "per-RPC timeout in ms", default: 15000 },
  { name: "rpcRetries", kind: "int", description: "attempts per RPC call", default: 4 },
  { name: "fromBlock", kind: "int", description: "first block to scan for events", default: 0 },
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
