/**
 * `npm run build:dnn`: builds the VM and SIMD kernel modules into dnn-lib/build/,
 * checks the VM build against the VM's subset and prints its opcode set.
 */
import { buildKernel, kernelPath } from "../src/kernels.ts";
import { checkVmBuild, formatOpcodeSet } from "../src/checkVmBuild.ts";

const vm = await buildKernel("vm");
const simd = await buildKernel("simd");
const report = checkVmBuild(vm);
console.log(
  `${kernelPath("vm")}: ${vm.length} bytes, no imports, 1 memory, data below 0x${report.dataEnd.toString(16)}`,
);
console.log(`${kernelPath("simd")}: ${simd.length} bytes`);
console.log(`VM build opcode set (${report.opcodes.size}): ${formatOpcodeSet(report)}`);
