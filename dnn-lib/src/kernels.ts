/**
 * Builds the AssemblyScript kernels (dnn-lib/assembly/) twice with asc — the VM
 * build (integer MVP subset) and the SIMD build — into dnn-lib/build/, and loads
 * them. `loadKernels()` rebuilds when a source is newer than the built file, so
 * tests and the bench build on demand.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAsc } from "../../common/asc.js";
import { DnnBuildError } from "./errors.ts";

export const DNN_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const ASSEMBLY_DIR = join(DNN_ROOT, "assembly");
export const BUILD_DIR = join(DNN_ROOT, "build");

export type KernelFlavor = "vm" | "simd";

const COMMON = ["--runtime", "stub", "--noAssert", "--use", "abort=", "--optimizeLevel", "3", "--shrinkLevel", "0"];
/** The VM build: every post-MVP feature asc would otherwise use is switched off. */
export const ASC_FLAGS: Record<KernelFlavor, string[]> = {
  vm: [...COMMON, "--disable", "mutable-globals,sign-extension,nontrapping-f2i,bulk-memory"],
  simd: [...COMMON, "--enable", "simd"],
};

export function kernelPath(flavor: KernelFlavor): string {
  return join(BUILD_DIR, `kernels-${flavor}.wasm`);
}

function newestSourceMtime(): number {
  return Math.max(...readdirSync(ASSEMBLY_DIR).map((f) => statSync(join(ASSEMBLY_DIR, f)).mtimeMs));
}

/** Compile one flavor with asc; the file appears atomically (temp file + rename). */
export async function buildKernel(flavor: KernelFlavor): Promise<Uint8Array<ArrayBuffer>> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const target = kernelPath(flavor);
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const asc = await loadAsc();
  const { error, stderr } = await asc.main([join(ASSEMBLY_DIR, "index.ts"), "-o", tmp, ...ASC_FLAGS[flavor]]);
  if (error)
    throw new DnnBuildError(`asc failed to build the ${flavor} kernels`, { details: stderr.toString(), cause: error });
  renameSync(tmp, target);
  return readFileSync(target);
}

/** The built module bytes, rebuilt first if missing or older than any assembly source. */
export async function kernelBytes(flavor: KernelFlavor): Promise<Uint8Array<ArrayBuffer>> {
  const target = kernelPath(flavor);
  if (existsSync(target) && statSync(target).mtimeMs >= newestSourceMtime()) return readFileSync(target);
  return buildKernel(flavor);
}

const compiled = new Map<KernelFlavor, Promise<WebAssembly.Module>>();

/** The compiled WebAssembly.Module of a flavor (built on demand, compiled once per process). */
export function kernelModule(flavor: KernelFlavor): Promise<WebAssembly.Module> {
  let m = compiled.get(flavor);
  if (!m) {
    m = kernelBytes(flavor).then((b) => WebAssembly.compile(b));
    compiled.set(flavor, m);
  }
  return m;
}
