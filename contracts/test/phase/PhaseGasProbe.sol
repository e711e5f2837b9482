// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPhaseBoundary} from "../../src/interfaces/IPhaseBoundary.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";

/// @notice Calls a phase boundary as the dispute game does and reports the gas of each call
///         (argument encoding, the CALL and the execution; not the outer transaction's calldata).
contract PhaseGasProbe {
    /// @notice `initialStateHash` through `pb`, with the gas it took.
    /// @param pb The phase boundary.
    /// @param m The model commitment.
    /// @param node The node index.
    /// @param sI The agreed S_i.
    /// @param phaseProof The phase proof.
    /// @return initial The initial state hash.
    /// @return gasUsed Gas from before the call's encoding to after its return.
    function measureInitial(
        IPhaseBoundary pb,
        ModelCommitment calldata m,
        uint256 node,
        bytes32 sI,
        bytes calldata phaseProof
    ) external view returns (bytes32 initial, uint256 gasUsed) {
        uint256 before = gasleft();
        initial = pb.initialStateHash(m, node, sI, phaseProof);
        gasUsed = before - gasleft();
    }

    /// @notice `checkExit` through `pb`, with the gas it took.
    /// @param pb The phase boundary.
    /// @param m The model commitment.
    /// @param node The node index.
    /// @param sI The agreed S_i.
    /// @param sNext The disputed S_{i+1}.
    /// @param finalHash The defender's final VM state hash.
    /// @param exitProof The exit proof.
    /// @return gasUsed Gas from before the call's encoding to after its return.
    function measureExit(
        IPhaseBoundary pb,
        ModelCommitment calldata m,
        uint256 node,
        bytes32 sI,
        bytes32 sNext,
        bytes32 finalHash,
        bytes calldata exitProof
    ) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        pb.checkExit(m, node, sI, sNext, finalHash, exitProof);
        gasUsed = before - gasleft();
    }
}
