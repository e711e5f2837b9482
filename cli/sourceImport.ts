/**
 * The built `opml` (scripts/buildCli.mjs → build/opml.mjs, run by cli/bin.mjs) is plain
 * JavaScript started without tsx; the commands that need the model compiler, the VM or the
 * daemons stay TypeScript sources outside the bundle. Before importing one of them, call
 * {@link ensureTypeScript}: it registers tsx's loader once in the built CLI and does nothing when
 * this file itself runs from source (under tsx already: `npm run opml`, the tests).
 */
let registered: Promise<void> | undefined;

export function ensureTypeScript(): Promise<void> {
  if (import.meta.url.endsWith(".ts")) return Promise.resolve();
  return (registered ??= import("tsx/esm/api").then(({ register }) => void register()));
}
