// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RefTree
/// @notice A deliberately naive reference for the Merkle library's tests: a sparse binary tree given
///         as parallel lists of (leaf index, leaf value), every node computed by recursion straight
///         from the definition (docs/protocol.md §1), zero hashes by hashing from zero. It shares no
///         code with `Merkle`/`TensorRoot`, so agreement with it means something.
/// @dev Cost grows with (leaves)² × depth; meant for a few dozen leaves at any depth up to 64.
library RefTree {
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(a, b));
    }

    /// @notice `Z[h]` by hashing `h` times from the zero word.
    function zero(uint256 h) internal pure returns (bytes32 z) {
        for (uint256 i; i < h; ++i) {
            z = hashPair(z, z);
        }
    }

    /// @notice `Z[0..64]`, each by hashing the previous one with itself.
    function zeros() internal pure returns (bytes32[] memory z) {
        z = new bytes32[](65);
        for (uint256 i = 1; i < 65; ++i) {
            z[i] = hashPair(z[i - 1], z[i - 1]);
        }
    }

    /// @notice The node at height `level`, position `pos`. A later entry for the same index wins.
    function node(uint256[] memory idx, bytes32[] memory val, uint256 level, uint256 pos)
        internal
        pure
        returns (bytes32)
    {
        return _node(idx, val, level, pos, zeros());
    }

    function _node(uint256[] memory idx, bytes32[] memory val, uint256 level, uint256 pos, bytes32[] memory z)
        private
        pure
        returns (bytes32)
    {
        uint256 lo = pos << level;
        uint256 hi = lo + (uint256(1) << level);
        bool any;
        bytes32 leaf;
        for (uint256 i; i < idx.length; ++i) {
            if (idx[i] >= lo && idx[i] < hi) {
                any = true;
                leaf = val[i];
            }
        }
        if (!any) return z[level];
        if (level == 0) return leaf;
        return hashPair(_node(idx, val, level - 1, 2 * pos, z), _node(idx, val, level - 1, 2 * pos + 1, z));
    }

    function root(uint256[] memory idx, bytes32[] memory val, uint256 depth) internal pure returns (bytes32) {
        return node(idx, val, depth, 0);
    }

    /// @notice The siblings of leaf `index`, bottom-up.
    function proof(uint256[] memory idx, bytes32[] memory val, uint256 depth, uint256 index)
        internal
        pure
        returns (bytes32[] memory p)
    {
        return subtreeProof(idx, val, depth, index, 0);
    }

    /// @notice The siblings of the height-`height` subtree at `index`, bottom-up from height `height`.
    function subtreeProof(uint256[] memory idx, bytes32[] memory val, uint256 depth, uint256 index, uint256 height)
        internal
        pure
        returns (bytes32[] memory p)
    {
        bytes32[] memory z = zeros();
        p = new bytes32[](depth - height);
        for (uint256 l = height; l < depth; ++l) {
            p[l - height] = _node(idx, val, l, (index >> (l - height)) ^ 1, z);
        }
    }

    /// @notice The tensor root from the definition: pad to 2^d zero-filled words, reduce pairwise.
    function tensorRoot(bytes memory data) internal pure returns (bytes32) {
        if (data.length == 0) return bytes32(0);
        uint256 words = (data.length + 31) / 32;
        uint256 count = 1;
        while (count < words) {
            count *= 2;
        }
        bytes32[] memory level = new bytes32[](count);
        for (uint256 i; i < data.length; ++i) {
            uint256 w = i / 32;
            level[w] = level[w] | (bytes32(data[i]) >> (8 * (i % 32)));
        }
        while (count > 1) {
            count /= 2;
            bytes32[] memory up = new bytes32[](count);
            for (uint256 i; i < count; ++i) {
                up[i] = hashPair(level[2 * i], level[2 * i + 1]);
            }
            level = up;
        }
        return level[0];
    }
}
