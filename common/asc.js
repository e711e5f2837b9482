// The AssemblyScript compiler's programmatic API (asc), re-exported unchanged so that
// TypeScript sees it through asc.d.ts next to this file instead of the package's own
// typings: those (assemblyscript/dist/*.generated.d.ts, 1.2 MB) declare globals for
// their own build — among them a `console` namespace with only `log` — which, without
// the DOM lib, replace @types/node's `console` for the whole program.
export { default } from "assemblyscript/asc";
