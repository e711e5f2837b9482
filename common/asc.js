// The AssemblyScript compiler's programmatic API (asc), loaded on first use: importing it costs
// seconds (a 1.5 MB compiler initialised at import), and most processes that can build a kernel
// never do, since the builds are cached on disk. TypeScript sees it through asc.d.ts next to this
// file instead of the package's own typings: those (assemblyscript/dist/*.generated.d.ts, 1.2 MB)
// declare globals for their own build — among them a `console` namespace with only `log` —
// which, without the DOM lib, replace @types/node's `console` for the whole program.
let loading;

/** asc, imported once, on the first call. */
export function loadAsc() {
  loading ??= import("assemblyscript/asc").then((m) => m.default);
  return loading;
}
