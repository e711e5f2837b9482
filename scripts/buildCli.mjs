#!/usr/bin/env node
// Builds the `opml` command to plain JavaScript: build/opml.mjs and its chunks, one per command's
// work loaded on demand (esbuild, which tsx already brings). viem is bundled and tree-shaken, so
// `opml --help` and `opml status` start without tsx and without viem's whole index. The commands
// that need the model compiler, the VM or the daemons (HEAVY) stay TypeScript sources, imported
// through tsx when one of them runs (cli/sourceImport.ts). build/opml.json records a hash of every
// bundled source: cli/bin.mjs runs the build only while it matches, the sources otherwise.
// The output sits one level below the repository root, as cli/ and chain/ do, so that the
// bundled `new URL("../package.json", import.meta.url)` and REPO_ROOT resolve as from source.
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = resolve(new URL("..", import.meta.url).pathname);
const out = join(root, "build");
/** Sources kept out of the bundle (they reach dnn-lib, the VM, the daemons: seconds to load). */
const HEAVY = ["cli/modelCommands.ts", "cli/daemonRun.ts", "devnet/startDevnet.ts"].map((f) => join(root, f));
/** Folders nothing in the bundle may come from: a static import of one would defeat HEAVY. */
const FORBIDDEN = ["vm/", "phase/", "claim/", "submitter/", "challenger/", "dnn-lib/src/kernels"];

const keepSourceExternal = {
  name: "keep-heavy-sources-external",
  setup(b) {
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return HEAVY.includes(path) ? { path: pathToFileURL(path).href, external: true } : undefined;
    });
  },
};

/** The hash of the bundled sources, as cli/bin.mjs computes it. */
function sourcesHash(files) {
  const h = createHash("sha256");
  for (const f of files)
    h.update(f)
      .update("\0")
      .update(readFileSync(join(root, f)))
      .update("\0");
  return h.digest("hex");
}

rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(root, "cli", "opml.ts")],
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  metafile: true,
  logLevel: "warning",
  // Dependencies other than these stay node_modules imports (native addons, pino's workers).
  external: ["tsx", "tsx/*", "pino", "pino-pretty", "onnxruntime-node", "keccak", "assemblyscript", "assemblyscript/*"],
  plugins: [keepSourceExternal],
  banner: {
    js: 'import { createRequire as __opmlRequire } from "node:module"; const require = __opmlRequire(import.meta.url);',
  },
});
const sources = Object.keys(result.metafile.inputs)
  .map((f) => relative(root, resolve(root, f)))
  .filter((f) => !f.startsWith("node_modules/"))
  .sort();
const bad = sources.filter((f) => FORBIDDEN.some((d) => f.startsWith(d)));
// import.meta.url of bundled code is build/'s: right only for a source one level down (cli/x.ts).
const moved = sources.filter(
  (f) => f.split("/").length !== 2 && readFileSync(join(root, f), "utf8").includes("import.meta"),
);
if (bad.length + moved.length > 0) {
  console.error(
    `buildCli: keep these behind HEAVY (too heavy, or located by import.meta): ${[...bad, ...moved].join(", ")}`,
  );
  process.exit(1);
}
const deps = ["package.json", "package-lock.json"];
writeFileSync(
  join(out, "opml.json"),
  `${JSON.stringify({ sources: [...sources, ...deps], hash: sourcesHash([...sources, ...deps]) }, null, 2)}\n`,
);
console.error(`buildCli: build/opml.mjs from ${sources.length} sources`);
