// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStepVerifier
/// @notice Executes exactly one VM instruction on chain (protocol.md §5, §7.4).
/// @dev A VM state hash carries the VM status in its top byte (see {VmStatus}); halted and trapped
///      states are fixed points of `step`. Malformed witnesses or proofs revert with a custom error;
///      a trapping instruction never reverts, it yields a trapped state.
interface IStepVerifier {
    /// @notice Runs one instruction from the state described by `stateWitness`.
    /// @param stateWitness The fixed-layout VM state witness whose hash is the pre-state hash.
    /// @param proof The ordered leaf proofs the instruction reads or writes.
    /// @return postStateHash The hash of the state after the instruction.
    function step(bytes calldata stateWitness, bytes calldata proof) external view returns (bytes32 postStateHash);

    /// @notice The state hash of a witness, status in the top byte.
    /// @param witness The fixed-layout VM state witness.
    /// @return The VM state hash.
    function stateHash(bytes calldata witness) external view returns (bytes32);
}

/// @title VmStatus
/// @notice The VM status stored in the top byte of every VM state hash (protocol.md §5):
///         `stateHash = (status << 248) | (H("opml.vm.state.v1" ‖ witness) & (2^248 - 1))`;
///         0x00 running, 0x01 halted, 0x02 trapped.
library VmStatus {
    uint8 internal constant RUNNING = 0x00;
    uint8 internal constant HALTED = 0x01;
    uint8 internal constant TRAPPED = 0x02;

    /// @notice The status byte of a VM state hash.
    function statusOf(bytes32 vmStateHash) internal pure returns (uint8) {
        return uint8(uint256(vmStateHash) >> 248);
    }

    /// @notice Tags a 256-bit digest with a status: the digest's top byte is replaced.
    function tag(bytes32 digest, uint8 status) internal pure returns (bytes32) {
        return bytes32((uint256(status) << 248) | (uint256(digest) & ((1 << 248) - 1)));
    }
}
