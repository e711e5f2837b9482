/**
 * The slice of the WebAssembly JS API dnn-lib uses, typed locally: the project's
 * tsconfig has no DOM lib and @types/node 20 does not declare `WebAssembly`, and a
 * global declaration here could clash with another part's.
 */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports?: object): Promise<WasmInstance>;
  RuntimeError: new (...args: unknown[]) => Error;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
