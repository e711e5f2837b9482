#!/usr/bin/env node
// A `solc` for forge, backed by the npm `solc` package (soljson compiled to WASM).
// forge cannot download solc binaries offline; foundry.toml points `solc` here.
// It answers the two invocations forge makes: `--version`, and `--standard-json`
// (input on stdin, output on stdout). Other flags forge passes (--base-path,
// --allow-paths, --include-path) only matter for the import callback.
import { readFileSync } from "node:fs";
import { resolve, isAbsolute } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version") || args.includes("-v")) {
  // forge parses "Version: X.Y.Z+commit..." from this output.
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write(`scripts/solc.mjs: only --version and --standard-json are supported (got: ${args.join(" ")})\n`);
  process.exit(2);
}

const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const roots = [flag("--base-path"), ...(flag("--include-path") ? [flag("--include-path")] : []), process.cwd()].filter(
  Boolean,
);

function findImports(path) {
  const candidates = isAbsolute(path) ? [path] : roots.map((r) => resolve(r, path));
  for (const c of candidates) {
    try {
      return { contents: readFileSync(c, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `File not found: ${path}` };
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
