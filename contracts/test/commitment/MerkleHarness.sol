// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Merkle} from "../../src/commitment/Merkle.sol";

/// @notice Exposes the `Merkle` functions that `CommitmentVerifier` does not (the depth-from-proof
///         `updateLeaf` and the memory-proof variants) as external calls, so tests can catch their
///         reverts and compare them with the calldata versions.
contract MerkleHarness {
    function updateLeafFromProof(
        bytes32 root,
        bytes32 oldLeaf,
        bytes32 newLeaf,
        uint256 index,
        bytes32[] calldata proof
    ) external pure returns (bytes32) {
        return Merkle.updateLeaf(root, oldLeaf, newLeaf, index, proof);
    }

    function rootFromLeafMemory(bytes32 leaf, uint256 index, bytes32[] memory proof) external pure returns (bytes32) {
        return Merkle.rootFromLeafMemory(leaf, index, proof);
    }

    function verifyLeafMemory(bytes32 root, bytes32 leaf, uint256 index, bytes32[] memory proof, uint256 depth)
        external
        pure
        returns (bool)
    {
        Merkle.verifyLeafMemory(root, leaf, index, proof, depth);
        return true;
    }

    function updateLeafMemory(
        bytes32 root,
        bytes32 oldLeaf,
        bytes32 newLeaf,
        uint256 index,
        bytes32[] memory proof,
        uint256 depth
    ) external pure returns (bytes32) {
        return Merkle.updateLeafMemory(root, oldLeaf, newLeaf, index, proof, depth);
    }

    function rootFromSubtreeMemory(bytes32 subRoot, uint256 index, uint256 height, bytes32[] memory proof)
        external
        pure
        returns (bytes32)
    {
        return Merkle.rootFromSubtreeMemory(subRoot, index, height, proof);
    }

    function verifySubtreeMemory(
        bytes32 root,
        bytes32 subRoot,
        uint256 index,
        uint256 height,
        bytes32[] memory proof,
        uint256 depth
    ) external pure returns (bool) {
        Merkle.verifySubtreeMemory(root, subRoot, index, height, proof, depth);
        return true;
    }

    function updateSubtreeMemory(
        bytes32 root,
        bytes32 oldSubRoot,
        bytes32 newSubRoot,
        uint256 index,
        uint256 height,
        bytes32[] memory proof,
        uint256 depth
    ) external pure returns (bytes32) {
        return Merkle.updateSubtreeMemory(root, oldSubRoot, newSubRoot, index, height, proof, depth);
    }

    /// @dev The zero hash by hashing from zero, to measure against the table lookup.
    function zeroHashComputed(uint256 h) external pure returns (bytes32 z) {
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, h) { i := add(i, 1) } {
                mstore(0x00, z)
                mstore(0x20, z)
                z := keccak256(0x00, 0x40)
            }
        }
    }

    function zeroHash(uint256 h) external pure returns (bytes32) {
        return Merkle.zeroHash(h);
    }
}
