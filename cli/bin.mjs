#!/usr/bin/env node
// The `opml` executable (package.json "bin"). The command is written in TypeScript. When the
// build (scripts/buildCli.mjs: build/opml.mjs, made by `npm ci` / `npm run build:cli`) matches the
// sources it was made from (the hash in build/opml.json), run it: plain JavaScript, no tsx, fast
// to start. Otherwise register tsx's loader in this process and run the sources.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url);

/** The build's entry URL if it is up to date with the sources, else undefined. */
function freshBuild() {
  try {
    const { sources, hash } = JSON.parse(readFileSync(new URL("build/opml.json", root), "utf8"));
    const h = createHash("sha256");
    for (const f of sources)
      h.update(f)
        .update("\0")
        .update(readFileSync(new URL(f, root)))
        .update("\0");
    return h.digest("hex") === hash ? new URL("build/opml.mjs", root) : undefined;
  } catch {
    return undefined; // no build, or a source it lists is gone
  }
}

const built = freshBuild();
let main;
if (built) ({ main } = await import(built.href));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("./opml.ts"));
}
await main(process.argv);
