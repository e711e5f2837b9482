/**
 * Builds the kernel library as a WebAssembly component (dnn.wit, world `dnn`):
 * asc compiles kernels.as.ts (the glue, which includes assembly/index.ts) with
 * the SIMD build's flags; the glue's exports are renamed to the canonical-ABI
 * names; jco embeds the WIT, makes the component and transpiles it to one ES
 * module for Node (instantiation "async": each `instantiate()` is a fresh
 * component instance). `loadComponent()` rebuilds when a source is newer than
 * the build, so tests and the bench build on demand;
 * `npx tsx dnn-lib/component/build.ts` (or `npm run build:dnn-component`)
 * builds by hand.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadAsc } from "../../common/asc.js";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools";
import { ASC_FLAGS, ASSEMBLY_DIR, BUILD_DIR } from "../src/kernels.ts";
import { DnnBuildError } from "../src/errors.ts";
import { renameExports } from "./renameExports.ts";
import type { Kernels, TranspiledComponent } from "./bindings.ts";

export const COMPONENT_DIR = fileURLToPath(new URL(".", import.meta.url));
export const WIT_PATH = join(COMPONENT_DIR, "dnn.wit");
const GLUE_PATH = join(COMPONENT_DIR, "kernels.as.ts");
export const CORE_PATH = join(BUILD_DIR, "dnn-component.core.wasm");
export const COMPONENT_PATH = join(BUILD_DIR, "dnn-component.wasm");
export const JS_DIR = join(BUILD_DIR, "dnn-component");
export const JS_PATH = join(JS_DIR, "dnn.js");

const IFACE = "opml:dnn/kernels@0.1.0";
/** The glue's AssemblyScript export → the name wit-component reads for dnn.wit's `kernels` export. */
export const EXPORT_NAMES: Record<string, string> = {
  weights_constructor: `${IFACE}#[constructor]weights`,
  weights_count: `${IFACE}#[method]weights.count`,
  weights_byte_length: `${IFACE}#[method]weights.byte-length`,
  weights_dtor: `${IFACE}#[dtor]weights`,
  run_node: `${IFACE}#run-node`,
  run_node_post: `cabi_post_${IFACE}#run-node`,
  stats: `${IFACE}#stats`,
  stats_post: `cabi_post_${IFACE}#stats`,
};

/** Compiles the glue with the SIMD build's asc flags and returns the core module with canonical-ABI export names. */
export async function buildCore(): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const stderr: string[] = [];
  const asc = await loadAsc();
  const { error } = await asc.main([GLUE_PATH, "--outFile", "core.wasm", ...ASC_FLAGS.simd], {
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
    stderr: { write: (s: string) => (stderr.push(String(s)), true) },
    stdout: { write: () => true },
  });
  if (error || !binary)
    throw new DnnBuildError("asc failed to build the component's core module", {
      details: stderr.join(""),
      cause: error ?? undefined,
    });
  return renameExports(binary, EXPORT_NAMES);
}

/** Writes `bytes` to `path` atomically (parallel test processes may build at once). */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Core module → component (jco embed + new) → ES module (jco transpile), all under dnn-lib/build/. */
export async function buildComponent(): Promise<void> {
  const core = await buildCore();
  let component: Uint8Array;
  try {
    const embedded = await componentEmbed({ binary: core, witSource: readFileSync(WIT_PATH, "utf8"), world: "dnn" });
    component = await componentNew(embedded);
  } catch (e) {
    throw new DnnBuildError("jco could not make a component of the kernels' core module", {
      details: e instanceof Error ? e.message : String(e),
      cause: e,
    });
  }
  const { files } = await transpileBytes(component, {
    name: "dnn",
    instantiation: "async",
    // `run-node` throws its `kernel-error` value as is (bindings.ts).
    noComponentErrorWrapping: true,
  });
  const entry = files["dnn.js"];
  if (entry === undefined) throw new DnnBuildError("jco transpile produced no dnn.js");
  mkdirSync(JS_DIR, { recursive: true });
  writeAtomic(CORE_PATH, core);
  writeAtomic(COMPONENT_PATH, component);
  for (const [name, bytes] of Object.entries(files)) {
    if (name === "dnn.js") continue;
    mkdirSync(join(JS_DIR, name, ".."), { recursive: true });
    writeAtomic(join(JS_DIR, name), bytes);
  }
  // Last: its presence and mtime say the build is complete.
  writeAtomic(JS_PATH, entry);
}

function newestSourceMtime(): number {
  const srcs = [
    ...readdirSync(ASSEMBLY_DIR).map((f) => join(ASSEMBLY_DIR, f)),
    ...readdirSync(COMPONENT_DIR).map((f) => join(COMPONENT_DIR, f)),
  ];
  return Math.max(...srcs.map((f) => statSync(f).mtimeMs));
}

/** Makes fresh instances of the component; its core modules are compiled once per process. */
export interface ComponentFactory {
  /** A new component instance (own linear memory, no weights), its `opml:dnn/kernels` export. */
  instantiate(): Kernels;
}

let loaded: Promise<ComponentFactory> | undefined;

/** The transpiled component, built first if missing or older than a source. */
export function loadComponent(): Promise<ComponentFactory> {
  loaded ??= (async () => {
    if (!existsSync(JS_PATH) || statSync(JS_PATH).mtimeMs < newestSourceMtime()) await buildComponent();
    const js = (await import(pathToFileURL(JS_PATH).href)) as TranspiledComponent;
    const cores = new Map<string, WebAssembly.Module>();
    for (const f of readdirSync(JS_DIR).filter((n) => n.endsWith(".wasm")))
      cores.set(f, await WebAssembly.compile(readFileSync(join(JS_DIR, f))));
    const getCoreModule = (path: string) => {
      const m = cores.get(path);
      if (!m)
        throw new DnnBuildError("the transpiled component asks for a core module the build did not write", {
          details: path,
        });
      return m;
    };
    return {
      instantiate: () =>
        js.instantiate(
          getCoreModule,
          {},
          (m, imports) => new WebAssembly.Instance(m as WebAssembly.Module, imports as WebAssembly.Imports),
        ).kernels,
    };
  })();
  return loaded;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildComponent();
  console.log(`${COMPONENT_PATH}: ${statSync(COMPONENT_PATH).size} bytes; ${JS_PATH}`);
}
