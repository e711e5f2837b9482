// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GoldenVectors} from "./GoldenVectors.sol";
import {VmLayout} from "../../src/vm/VmLayout.sol";

/// @notice Replays the VM's golden vectors file by file: one file per flat opcode a program's steps
///         execute (a missing file fails), the step cap with its fixed points, and every step of a
///         small kernel. Each vector's pre-state hash, proof length, post-state hash and status must
///         be the TypeScript VM's.
contract VmGoldenVectorsTest is GoldenVectors {
    /// @notice Every flat opcode a program's steps execute (`VmLayout.EXECUTED_OPCODES`, generated from
    ///         the opcode table), each with its vector file.
    function testDiff_vmGoldenVectors_everyOpcodeFile() public view {
        bytes memory ops = VmLayout.EXECUTED_OPCODES;
        uint256 n;
        uint256 files;
        for (uint256 i = 0; i < ops.length; i++) {
            n += _replayFile(_opFile(uint8(ops[i])));
            files++;
        }
        assertEq(files, 105);
        assertGt(n, 300);
    }

    function testDiff_vmGoldenVectors_stepCapAndFixedPoints() public view {
        assertEq(_replayFile("step_cap.json"), 3);
    }

    function testDiff_vmGoldenVectors_everyStepOfTheDotKernel() public view {
        assertGt(_replayFile("kernel_dot.json"), 100);
    }
}
