// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice What a dispute over a model's execution is played against (protocol.md §4.1, §7.1).
/// @dev `programRoot` is the initial VM image of the kernel library, `graphRoot` the slot tree of
///      node descriptors, `weightsRoot` the slot tree of weight tensors, `nodeCount` = N, the
///      number of graph nodes (graph states run from S_0 to S_N).
struct ModelCommitment {
    bytes32 programRoot;
    bytes32 graphRoot;
    bytes32 weightsRoot;
    uint32 nodeCount;
}
