// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelCommitment} from "./ModelCommitment.sol";

/// @title IPhaseBoundary
/// @notice Entering and leaving phase 2 (the VM) for one graph node (design §5, protocol.md §6).
/// @dev Both functions revert with a custom error when a proof does not hold; they never return
///      a "false" that a caller could forget to check.
interface IPhaseBoundary {
    /// @notice The step cap of every phase-2 run this boundary starts: a step from a running state
    ///         that has taken `stepLimit` steps traps. The game's level 2 must cover it.
    /// @return The step cap (2^32 for the real VM).
    function stepLimit() external view returns (uint256);

    /// @notice Builds the initial VM state hash of node `node` from the model commitment and the
    ///         agreed graph state `S_i`: programRoot, the node descriptor (proved against
    ///         graphRoot), weight operands (proved against weightsRoot) and activation operands
    ///         (proved against S_i). Nobody can choose this state.
    /// @param m The model commitment.
    /// @param node The disputed node index i, 0 <= i < m.nodeCount.
    /// @param S_i The agreed graph state before node i.
    /// @param phaseProof The descriptor and operand proofs, in the layout the implementation defines.
    /// @return The initial VM state hash (status RUNNING).
    function initialStateHash(ModelCommitment calldata m, uint256 node, bytes32 S_i, bytes calldata phaseProof)
        external
        view
        returns (bytes32);

    /// @notice Checks that `finalVmStateHash` is a halted state whose output region's subtree root,
    ///         written into node `node`'s output slot of `S_i`, gives exactly `S_next`. Reverts if not.
    /// @param m The model commitment.
    /// @param node The disputed node index i.
    /// @param S_i The agreed graph state before node i.
    /// @param S_next The disputed graph state after node i.
    /// @param finalVmStateHash The defender's final VM state hash of node i.
    /// @param exitProof The final witness, the output subtree proof and the slot proof.
    function checkExit(
        ModelCommitment calldata m,
        uint256 node,
        bytes32 S_i,
        bytes32 S_next,
        bytes32 finalVmStateHash,
        bytes calldata exitProof
    ) external view;
}
