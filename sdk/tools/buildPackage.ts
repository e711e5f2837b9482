/**
 * Builds the `@opml/sdk` package into sdk/build: tsc emits the SDK and the few files of lower
 * parts it uses (common, commitment's keccak, dnn-lib's model file and generation state) as
 * JavaScript and `.d.ts`, mirrored under build/ so that every relative import stays inside the
 * package; the `.ts` specifiers tsc leaves in inline `import("…")` types are rewritten to `.js`. Then it checks the output:
 * no relative import leaves build/, and no bare import names a package the manifest does not
 * declare. `npx tsx sdk/tools/buildPackage.ts` (or `npm run build:sdk`).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { OpmlError } from "../../common/errors.ts";

export const SDK_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BUILD_DIR = join(SDK_DIR, "build");

export class PackageBuildError extends OpmlError {
  override name = "PackageBuildError";
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const SPECIFIER = /\b(?:from|import)\s*\(?\s*"([^"]+)"/g;

/** Problems with the built files: imports that leave the package or name undeclared packages. */
export function checkBuild(buildDir: string = BUILD_DIR): string[] {
  const manifest = JSON.parse(readFileSync(join(SDK_DIR, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const problems: string[] = [];
  for (const file of filesUnder(buildDir).filter((f) => /\.(js|d\.ts)$/.test(f))) {
    for (const [, spec] of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const where = relative(SDK_DIR, file);
      if (spec!.startsWith(".")) {
        const target = resolve(dirname(file), spec!);
        if (!target.startsWith(buildDir + sep)) problems.push(`${where}: "${spec}" leaves the package`);
        if (spec!.endsWith(".ts") && !spec!.endsWith(".d.ts")) problems.push(`${where}: "${spec}" names a .ts file`);
      } else if (!spec!.startsWith("node:")) {
        const name = spec!.startsWith("@") ? spec!.split("/").slice(0, 2).join("/") : spec!.split("/")[0]!;
        if (!declared.has(name)) problems.push(`${where}: imports "${name}", which package.json does not declare`);
      }
    }
  }
  return problems;
}

/** Builds sdk/build from scratch; {@link PackageBuildError} when tsc fails or the output is not self-contained. */
export function buildPackage(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = join(SDK_DIR, "..", "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(SDK_DIR, "tsconfig.build.json")], { encoding: "utf8" });
  if (r.status !== 0) throw new PackageBuildError("tsc could not build the SDK", { details: r.stdout + r.stderr });
  for (const file of filesUnder(BUILD_DIR).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/((?:from\s+|import\()"\.{1,2}\/[^"]*)\.ts"/g, '$1.js"'));
  }
  const problems = checkBuild();
  if (problems.length)
    throw new PackageBuildError("the built SDK is not a self-contained package", { details: problems.join("; ") });
  return BUILD_DIR;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(`built ${relative(process.cwd(), buildPackage())}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
