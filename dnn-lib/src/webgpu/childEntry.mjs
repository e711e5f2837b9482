// The WebGPU child process's entry: the kernels are TypeScript, so register tsx's ESM loader here
// (whatever started the parent), then load the child's message loop.
import { register } from "tsx/esm/api";

register();
await import("./gpuChild.ts");
