// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {StepVerifier} from "../../src/vm/StepVerifier.sol";
import {VmLayout} from "../../src/vm/VmLayout.sol";
import {VmStatus} from "../../src/interfaces/IStepVerifier.sol";

/// @notice The VM's golden vectors (contracts/test/vectors/vm/*.json, written from the TypeScript VM
///         by vm/tools/goldenVectors.ts, which vm/test/goldenVectors.test.ts replays too): one file per
///         flat opcode a program's steps execute, step_cap.json and kernel_dot.json.
abstract contract GoldenVectors is Test {
    string internal constant DIR = "contracts/test/vectors/vm/";
    StepVerifier internal verifier = new StepVerifier();
    /// @dev Bytes of one leaf access in a proof: the leaf and its 30 siblings.
    uint256 internal constant ACCESS = 992;

    /// @dev One step, fields in alphabetical order (forge's JSON-to-ABI mapping).
    struct Vector {
        uint256 accesses;
        string name;
        int256 op;
        bytes32 postStateHash;
        uint256 postStatus;
        bytes32 preStateHash;
        bytes preWitness;
        bytes proof;
        string source;
        uint256 step;
    }

    function _load(string memory file) internal view returns (Vector[] memory) {
        bytes memory raw = vm.parseJsonTypeArray(
            readProjectFile(string.concat(DIR, file)),
            ".vectors",
            "Vector(uint256 accesses,string name,int256 op,bytes32 postStateHash,uint256 postStatus,bytes32 preStateHash,bytes preWitness,bytes proof,string source,uint256 step)"
        );
        return abi.decode(raw, (Vector[]));
    }

    /// @dev The free memory pointer: `_release(_mark())` around a file's replay frees its vectors, so
    ///      memory stays the size of the largest file and no measured step pays for its growth.
    function _mark() internal pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := mload(0x40)
        }
    }

    function _release(uint256 p) internal pure {
        assembly ("memory-safe") {
            mstore(0x40, p)
        }
    }

    /// @dev The vector file of flat opcode `op`: `op_0xNN.json`.
    function _opFile(uint256 op) internal pure returns (string memory) {
        bytes memory d = "0123456789abcdef";
        return string(abi.encodePacked("op_0x", d[op >> 4], d[op & 15], ".json"));
    }

    /// @dev Every vector file: one per opcode of `VmLayout.EXECUTED_OPCODES`, then the step cap's and the kernel's.
    function _files() internal pure returns (string[] memory files) {
        bytes memory ops = VmLayout.EXECUTED_OPCODES;
        files = new string[](ops.length + 2);
        for (uint256 i = 0; i < ops.length; i++) {
            files[i] = _opFile(uint8(ops[i]));
        }
        files[ops.length] = "step_cap.json";
        files[ops.length + 1] = "kernel_dot.json";
    }

    /// @dev Replays every vector of `file` through the verifier: its pre-state hash, proof length,
    ///      post-state hash and status must be the TypeScript VM's. Returns how many.
    function _replayFile(string memory file) internal view returns (uint256 n) {
        uint256 mark = _mark();
        Vector[] memory vs = _load(file);
        assertGt(vs.length, 0, file);
        for (uint256 i = 0; i < vs.length; i++) {
            string memory what = string.concat(file, ": ", vs[i].name, " (", vs[i].source, ")");
            assertEq(vs[i].proof.length, vs[i].accesses * ACCESS, what);
            assertEq(verifier.stateHash(vs[i].preWitness), vs[i].preStateHash, string.concat(what, " pre-state hash"));
            bytes32 post = verifier.step(vs[i].preWitness, vs[i].proof);
            assertEq(post, vs[i].postStateHash, what);
            assertEq(VmStatus.statusOf(post), vs[i].postStatus, string.concat(what, " status"));
        }
        n = vs.length;
        _release(mark);
    }
}
