// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Merkle} from "./Merkle.sol";
import {TensorRoot} from "./TensorRoot.sol";

/// @title CommitmentVerifier
/// @notice The commitment library (`Merkle`, `TensorRoot`) as a stateless contract: the devnet deploys
///         it so that off-chain code and tests can check their commitments against the EVM's answer.
/// @dev Every function is a view over its arguments; errors are the libraries' custom errors.
///      Contracts that need these checks link the libraries directly (internal calls), not this.
contract CommitmentVerifier {
    /// @notice The depth of every slot tree.
    uint256 public constant SLOT_DEPTH = TensorRoot.SLOT_DEPTH;

    /// @notice The deepest tree `zeroHash` and `composeRoot` support.
    uint256 public constant MAX_DEPTH = Merkle.MAX_DEPTH;

    /// @notice The root of an all-zero subtree of height `h` (`h <= MAX_DEPTH`).
    /// @param h The subtree's height.
    /// @return The zero hash `Z[h]`.
    function zeroHash(uint256 h) external pure returns (bytes32) {
        return Merkle.zeroHash(h);
    }

    /// @notice The root reached from `leaf` at `index` through `proof` (siblings bottom-up); the
    ///         tree's depth is `proof.length`.
    /// @param leaf The leaf word.
    /// @param index The leaf's index, below `2^proof.length`.
    /// @param proof The siblings, bottom-up.
    /// @return The computed root.
    function rootFromLeaf(bytes32 leaf, uint256 index, bytes32[] calldata proof) external pure returns (bytes32) {
        return Merkle.rootFromLeaf(leaf, index, proof);
    }

    /// @notice Checks a leaf inclusion proof in a tree of depth `depth`; reverts with
    ///         `ProofLengthMismatch`, `IndexOutOfRange` or `RootMismatch` when it fails.
    /// @param root The tree's root.
    /// @param leaf The leaf word.
    /// @param index The leaf's index.
    /// @param proof The `depth` siblings, bottom-up.
    /// @param depth The tree's depth.
    /// @return Always true (a failed check reverts).
    function verifyLeaf(bytes32 root, bytes32 leaf, uint256 index, bytes32[] calldata proof, uint256 depth)
        external
        pure
        returns (bool)
    {
        Merkle.verifyLeaf(root, leaf, index, proof, depth);
        return true;
    }

    /// @notice The root reached from the root of the height-`height` subtree at `index` through `proof`.
    /// @param subRoot The subtree's root.
    /// @param index The subtree's index among the subtrees of its height (first leaf `index·2^height`).
    /// @param height The subtree's height.
    /// @param proof The siblings from height `height` up, bottom-up.
    /// @return The computed root of the tree of depth `height + proof.length`.
    function rootFromSubtree(bytes32 subRoot, uint256 index, uint256 height, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return Merkle.rootFromSubtree(subRoot, index, height, proof);
    }

    /// @notice Checks a subtree inclusion proof in a tree of depth `depth`; reverts with
    ///         `HeightOutOfRange`, `ProofLengthMismatch`, `IndexOutOfRange` or `RootMismatch`.
    /// @param root The tree's root.
    /// @param subRoot The subtree's root.
    /// @param index The subtree's index among the subtrees of its height.
    /// @param height The subtree's height.
    /// @param proof The `depth - height` siblings, bottom-up.
    /// @param depth The tree's depth.
    /// @return Always true (a failed check reverts).
    function verifySubtree(
        bytes32 root,
        bytes32 subRoot,
        uint256 index,
        uint256 height,
        bytes32[] calldata proof,
        uint256 depth
    ) external pure returns (bool) {
        Merkle.verifySubtree(root, subRoot, index, height, proof, depth);
        return true;
    }

    /// @notice The root after leaf `index` of a depth-`depth` tree changes from `oldLeaf` to
    ///         `newLeaf`, the old leaf checked against `root` with the same proof.
    /// @param root The tree's root before the write.
    /// @param oldLeaf The leaf before the write.
    /// @param newLeaf The leaf after the write.
    /// @param index The leaf's index.
    /// @param proof The `depth` siblings of the leaf, bottom-up.
    /// @param depth The tree's depth.
    /// @return The tree's root after the write.
    function updateLeaf(
        bytes32 root,
        bytes32 oldLeaf,
        bytes32 newLeaf,
        uint256 index,
        bytes32[] calldata proof,
        uint256 depth
    ) external pure returns (bytes32) {
        return Merkle.updateLeaf(root, oldLeaf, newLeaf, index, proof, depth);
    }

    /// @notice The root after the height-`height` subtree at `index` of a depth-`depth` tree changes
    ///         from `oldSubRoot` to `newSubRoot`, the old subtree checked against `root` with the same proof.
    /// @param root The tree's root before the write.
    /// @param oldSubRoot The subtree's root before the write.
    /// @param newSubRoot The subtree's root after the write.
    /// @param index The subtree's index among the subtrees of its height.
    /// @param height The subtree's height.
    /// @param proof The `depth - height` siblings, bottom-up.
    /// @param depth The tree's depth.
    /// @return The tree's root after the write.
    function updateSubtree(
        bytes32 root,
        bytes32 oldSubRoot,
        bytes32 newSubRoot,
        uint256 index,
        uint256 height,
        bytes32[] calldata proof,
        uint256 depth
    ) external pure returns (bytes32) {
        return Merkle.updateSubtree(root, oldSubRoot, newSubRoot, index, height, proof, depth);
    }

    /// @notice The root of a depth-`depth` tree that is zero except for the given aligned subtrees.
    /// @param depth The tree's depth (at most `MAX_DEPTH`).
    /// @param subtrees The subtrees, sorted by first leaf and non-overlapping.
    /// @return The composed root.
    function composeRoot(uint256 depth, Merkle.Subtree[] calldata subtrees) external pure returns (bytes32) {
        return Merkle.composeRoot(depth, subtrees);
    }

    /// @notice The depth of the tree of a tensor of `byteLength` bytes.
    /// @param byteLength The tensor's length in bytes.
    /// @return The depth `ceil(log2(max(1, ceil(byteLength / 32))))`.
    function tensorDepth(uint256 byteLength) external pure returns (uint256) {
        return TensorRoot.tensorDepth(byteLength);
    }

    /// @notice The tensor root of `data` (zero for empty data).
    /// @param data The tensor's bytes.
    /// @return The tensor root.
    function tensorRoot(bytes calldata data) external pure returns (bytes32) {
        return TensorRoot.tensorRoot(data);
    }

    /// @notice The slot leaf binding a tensor root to its byte length.
    /// @param root The tensor root.
    /// @param byteLength The tensor's length in bytes.
    /// @return `keccak256("opml.slot.v1" ‖ root ‖ byteLength)`.
    function slotLeaf(bytes32 root, uint256 byteLength) external pure returns (bytes32) {
        return TensorRoot.slotLeaf(root, byteLength);
    }

    /// @notice The slot leaf of the tensor `data`.
    /// @param data The tensor's bytes.
    /// @return `slotLeaf(tensorRoot(data), data.length)`.
    function tensorSlotLeaf(bytes calldata data) external pure returns (bytes32) {
        return TensorRoot.tensorSlotLeaf(data);
    }

    /// @notice The slot tree's root after slot `slot` changes from `oldLeaf` to `newLeaf`.
    /// @param slotRoot The slot tree's root before the write.
    /// @param slot The slot number.
    /// @param oldLeaf The slot leaf before the write.
    /// @param newLeaf The slot leaf after the write.
    /// @param proof The `SLOT_DEPTH` siblings of the slot, bottom-up.
    /// @return The slot tree's root after the write.
    function writeSlot(bytes32 slotRoot, uint256 slot, bytes32 oldLeaf, bytes32 newLeaf, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return TensorRoot.writeSlot(slotRoot, slot, oldLeaf, newLeaf, proof);
    }
}
