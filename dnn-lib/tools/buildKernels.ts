/**
 * `npm run build:dnn`: builds the VM and SIMD kernel modules into dnn-lib/build/. Whether the VM
 * build fits the VM is checked above both, by the VM's own loader: phase/checkVmBuild.ts, run by
 * phase/test/vmBuild.test.ts.
 */
import { buildKernel, kernelPath } from "../src/kernels.ts";

const vm = await buildKernel("vm");
const simd = await buildKernel("simd");
console.log(`${kernelPath("vm")}: ${vm.length} bytes`);
console.log(`${kernelPath("simd")}: ${simd.length} bytes`);
