// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {StepVerifier} from "../../src/vm/StepVerifier.sol";
import {VmLayout} from "../../src/vm/VmLayout.sol";
import {VmStatus} from "../../src/interfaces/IStepVerifier.sol";

/// @notice Replays the VM's own golden vectors (contracts/test/vectors/vm/*.json, written by
///         vm/tools/goldenVectors.ts): one file per flat opcode the VM accepts (a missing file fails),
///         the step cap with its fixed points, and every step of a small kernel.
contract VmGoldenVectorsTest is Test {
    string internal constant DIR = "contracts/test/vectors/vm/";

    /// @dev One vector, fields in alphabetical order (forge's JSON-to-ABI mapping). The JSON key
    ///      `case` is a reserved word in Solidity, so the type description names a struct that
    ///      does not exist in the sources and the result is decoded positionally into this one.
    struct GoldenStep {
        string name;
        int256 op;
        bytes32 postStateHash;
        uint256 postStatus;
        bytes preWitness;
        bytes proof;
        uint256 step;
    }

    StepVerifier internal verifier;

    function setUp() public {
        verifier = new StepVerifier();
    }

    function _load(string memory file) internal view returns (GoldenStep[] memory) {
        bytes memory raw = vm.parseJsonTypeArray(
            readProjectFile(string.concat(DIR, file)),
            ".vectors",
            "JsonGoldenStep(string case,int256 op,bytes32 postStateHash,uint256 postStatus,bytes preWitness,bytes proof,uint256 step)"
        );
        return abi.decode(raw, (GoldenStep[]));
    }

    /// @dev Replays every vector of `file`; returns how many.
    function _replay(string memory file) internal view returns (uint256) {
        GoldenStep[] memory vs = _load(file);
        assertGt(vs.length, 0, file);
        for (uint256 i = 0; i < vs.length; i++) {
            bytes32 post = verifier.step(vs[i].preWitness, vs[i].proof);
            assertEq(post, vs[i].postStateHash, string.concat(file, ": ", vs[i].name));
            assertEq(VmStatus.statusOf(post), vs[i].postStatus, string.concat(file, " status: ", vs[i].name));
        }
        return vs.length;
    }

    function _hex2(uint256 op) internal pure returns (string memory) {
        bytes memory d = "0123456789abcdef";
        return string(abi.encodePacked(d[op >> 4], d[op & 15]));
    }

    /// @notice Every flat opcode a program's steps execute (`VmLayout.EXECUTED_OPCODES`, generated from
    ///         the opcode table), each with its vector file.
    function testDiff_vmGoldenVectors_everyOpcodeFile() public view {
        bytes memory ops = VmLayout.EXECUTED_OPCODES;
        uint256 n;
        uint256 files;
        for (uint256 i = 0; i < ops.length; i++) {
            n += _replay(string.concat("op_0x", _hex2(uint8(ops[i])), ".json"));
            files++;
        }
        assertEq(files, 105);
        assertGt(n, 300);
    }

    function testDiff_vmGoldenVectors_stepCapAndFixedPoints() public view {
        assertEq(_replay("step_cap.json"), 3);
    }

    function testDiff_vmGoldenVectors_everyStepOfTheDotKernel() public view {
        assertGt(_replay("kernel_dot.json"), 100);
    }
}
