import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OpmlError } from "../common/errors.ts";

/** The repository root (the folder holding package.json and foundry.toml). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export type FoundryTool = "anvil" | "forge";

export class FoundryNotInstalledError extends OpmlError {
  override name = "FoundryNotInstalledError";
  constructor(tool: FoundryTool, tried: string[]) {
    super(`${tool} is not installed`, {
      details: `looked for ${tried.join(", ")}; run \`npm ci\` (it installs @foundry-rs/${tool} from npm)`,
    });
  }
}

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/**
 * The path of Foundry's native `tool` binary installed by npm
 * (`@foundry-rs/<tool>-<platform>-<arch>/bin/<tool>`).
 *
 * The native binary is spawned rather than `node_modules/.bin/<tool>` (a Node
 * wrapper that spawns it in turn), so that killing the process we started kills
 * the tool itself and never leaves an orphan behind.
 */
export function foundryBinary(tool: FoundryTool): string {
  const require = createRequire(join(REPO_ROOT, "package.json"));
  const exe = process.platform === "win32" ? `${tool}.exe` : tool;
  const pkg = `@foundry-rs/${tool}-${process.platform}-${ARCH[process.arch] ?? process.arch}`;
  const tried: string[] = [];
  try {
    const path = require.resolve(`${pkg}/bin/${exe}`);
    if (existsSync(path)) return path;
    tried.push(path);
  } catch {
    tried.push(`${pkg}/bin/${exe}`);
  }
  const fallback = join(REPO_ROOT, "node_modules", "@foundry-rs", tool, "dist", exe);
  if (existsSync(fallback)) return fallback;
  tried.push(fallback);
  throw new FoundryNotInstalledError(tool, tried);
}
