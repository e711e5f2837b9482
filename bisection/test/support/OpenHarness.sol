// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev Same ABI tuple as contracts/src/interfaces/ModelCommitment.sol, so the selectors match.
struct ModelCommitment {
    bytes32 programRoot;
    bytes32 graphRoot;
    bytes32 weightsRoot;
    uint32 nodeCount;
}

/// @notice For bisection's position tests only: a phase boundary that accepts every phase-2
///         opening (initial state INITIAL) and a step verifier that reads the pre-state hash from
///         witness[0:32] and the post-state hash from witness[32:64], so that a DisputeGame can be
///         driven through both levels with arbitrary commitments.
contract OpenHarness {
    bytes32 public constant INITIAL = bytes32(uint256(0x0abc)); // top byte 0: running

    /// @dev No step cap of its own: any step depth >= 1 covers it.
    function stepLimit() external pure returns (uint256) {
        return 2;
    }

    function initialStateHash(ModelCommitment calldata, uint256, bytes32, bytes calldata)
        external
        pure
        returns (bytes32)
    {
        return INITIAL;
    }

    function checkExit(ModelCommitment calldata, uint256, bytes32, bytes32, bytes32, bytes calldata) external pure {}

    function stateHash(bytes calldata w) external pure returns (bytes32) {
        return bytes32(w[0:32]);
    }

    function step(bytes calldata w, bytes calldata) external pure returns (bytes32) {
        return bytes32(w[32:64]);
    }
}
