// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Merkle} from "./Merkle.sol";

/// @title TensorRoot
/// @notice Tensor roots, slot leaves and slot-tree proofs (docs/protocol.md §2.1, §2.2).
/// @dev A tensor of `n` bytes is cut into `max(1, ceil(n/32))` 32-byte leaves (the last zero-padded),
///      padded with zero leaves to `2^tensorDepth(n)`, and Merkleized with `keccak256(left ‖ right)`.
///      An empty tensor has root zero. A slot leaf binds a root to its byte length:
///      `keccak256("opml.slot.v1" ‖ root ‖ n)`; slot `k` of a depth-`SLOT_DEPTH` slot tree is leaf `k`.
library TensorRoot {
    /// @notice The depth of every slot tree (graph states `S_i`, `weightsRoot`, `graphRoot`): 2^24
    ///         slots, a LLaMA-2-13B generation model's 4,096-token context with room (protocol.md §2.2).
    uint256 internal constant SLOT_DEPTH = 24;

    /// @notice The slot leaf's domain tag: ASCII `opml.slot.v1`, left-aligned, zero-padded.
    // casting to 'bytes32' is safe because the 12-byte ASCII literal is left-aligned and zero-padded.
    // forge-lint: disable-next-line(unsafe-typecast)
    bytes32 internal constant SLOT_DOMAIN = bytes32("opml.slot.v1");

    /// @dev `zeroHash(1) = keccak256(0x00 × 64)`, the sibling of a lone node at level 1.
    bytes32 private constant ZERO_1 = 0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5;

    /// @notice `ceil(log2(max(1, ceil(byteLength / 32))))`: the depth of a tensor's tree.
    function tensorDepth(uint256 byteLength) internal pure returns (uint256 d) {
        uint256 leaves = (byteLength >> 5) + (byteLength & 31 == 0 ? 0 : 1);
        if (leaves <= 1) return 0;
        // The bit length of leaves - 1.
        uint256 x = leaves - 1;
        assembly ("memory-safe") {
            d := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
            d := or(d, shl(6, lt(0xffffffffffffffff, shr(d, x))))
            d := or(d, shl(5, lt(0xffffffff, shr(d, x))))
            d := or(d, shl(4, lt(0xffff, shr(d, x))))
            d := or(d, shl(3, lt(0xff, shr(d, x))))
            d := or(d, shl(2, lt(0xf, shr(d, x))))
            d := or(d, shl(1, lt(0x3, shr(d, x))))
            d := or(d, lt(0x1, shr(d, x)))
            d := add(d, 1)
        }
    }

    /// @notice The tensor root of `data` (zero for empty `data`).
    /// @dev Hashes the first level straight out of `data` (pairs of whole words need no copy), then
    ///      reduces in place in free memory, which it uses without allocating. Masks the bytes past
    ///      `data.length` in the last word, whatever memory holds there. `data` is not modified.
    function tensorRoot(bytes memory data) internal pure returns (bytes32 root) {
        assembly ("memory-safe") {
            let n := mload(data)
            let src := add(data, 0x20)
            let full := shr(5, n)
            let rem := and(n, 31)
            // Keeps the first `rem` bytes of a word.
            let mask := not(shr(shl(3, rem), not(0)))
            let leaves := add(full, iszero(iszero(rem)))
            switch lt(leaves, 2)
            case 1 {
                // Zero or one leaf: the (masked) leaf itself; zero when empty.
                if n {
                    root := mload(src)
                    if rem { root := and(root, mask) }
                }
            }
            default {
                let buf := mload(0x40)
                // Writes H(in[2k] ‖ in[2k+1]) to out[k] for k < count, four at a time; `out` may be
                // `in` (each output word lands at or before the words it was read from).
                function hashPairs(in, out, count) {
                    let e4 := add(in, shl(6, and(count, not(3))))
                    for {} lt(in, e4) {
                        in := add(in, 0x100)
                        out := add(out, 0x80)
                    } {
                        mstore(out, keccak256(in, 0x40))
                        mstore(add(out, 0x20), keccak256(add(in, 0x40), 0x40))
                        mstore(add(out, 0x40), keccak256(add(in, 0x80), 0x40))
                        mstore(add(out, 0x60), keccak256(add(in, 0xc0), 0x40))
                    }
                    let e := add(e4, shl(6, and(count, 3)))
                    for {} lt(in, e) {
                        in := add(in, 0x40)
                        out := add(out, 0x20)
                    } { mstore(out, keccak256(in, 0x40)) }
                }
                // Level 0 -> 1: pairs of whole words, hashed straight out of `data`.
                let pairs := shr(1, full)
                hashPairs(src, buf, pairs)
                let c := pairs
                // The tail: one leaf (with a zero sibling) or a whole word and the partial word.
                let t := sub(leaves, shl(1, pairs))
                if t {
                    let a := mload(add(src, shl(6, pairs)))
                    let b := 0
                    switch t
                    case 2 { b := and(mload(add(src, add(shl(6, pairs), 0x20))), mask) }
                    default { if rem { a := and(a, mask) } }
                    mstore(0x00, a)
                    mstore(0x20, b)
                    mstore(add(buf, shl(5, pairs)), keccak256(0x00, 0x40))
                    c := add(c, 1)
                }
                // Levels 1 -> d: in place in `buf`; a lone last node pairs with zeroHash(level).
                let z := ZERO_1
                for {} gt(c, 1) {} {
                    let half := shr(1, c)
                    hashPairs(buf, buf, half)
                    if and(c, 1) {
                        mstore(0x00, mload(add(buf, shl(6, half))))
                        mstore(0x20, z)
                        mstore(add(buf, shl(5, half)), keccak256(0x00, 0x40))
                    }
                    c := add(half, and(c, 1))
                    mstore(0x00, z)
                    mstore(0x20, z)
                    z := keccak256(0x00, 0x40)
                }
                root := mload(buf)
            }
        }
    }

    /// @notice `keccak256("opml.slot.v1" ‖ root ‖ byteLength)`: the slot leaf of a tensor.
    function slotLeaf(bytes32 root, uint256 byteLength) internal pure returns (bytes32 leaf) {
        bytes32 domain = SLOT_DOMAIN;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, domain)
            mstore(add(m, 0x20), root)
            mstore(add(m, 0x40), byteLength)
            leaf := keccak256(m, 0x60)
        }
    }

    /// @notice The slot leaf of the tensor `data`: `slotLeaf(tensorRoot(data), data.length)`.
    function tensorSlotLeaf(bytes memory data) internal pure returns (bytes32) {
        return slotLeaf(tensorRoot(data), data.length);
    }

    /// @notice Checks that slot `slot` of the slot tree `slotRoot` holds `leaf`.
    /// @dev Reverts as `Merkle.verifyLeaf` with depth `SLOT_DEPTH`.
    function verifySlot(bytes32 slotRoot, uint256 slot, bytes32 leaf, bytes32[] calldata proof) internal pure {
        Merkle.verifyLeaf(slotRoot, leaf, slot, proof, SLOT_DEPTH);
    }

    /// @notice The slot tree's root after slot `slot` changes from `oldLeaf` to `newLeaf`, checking
    ///         `oldLeaf` against `slotRoot` with the same proof ("write slot k", docs/protocol.md §2.2).
    /// @dev Reverts as the fixed-depth `Merkle.updateLeaf` with depth `SLOT_DEPTH`.
    function writeSlot(bytes32 slotRoot, uint256 slot, bytes32 oldLeaf, bytes32 newLeaf, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32)
    {
        return Merkle.updateLeaf(slotRoot, oldLeaf, newLeaf, slot, proof, SLOT_DEPTH);
    }
}
