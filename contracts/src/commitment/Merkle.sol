// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Merkle
/// @notice Fixed-depth binary Merkle trees over 32-byte leaves, as docs/protocol.md §1–§3 define them:
///         nodes are `keccak256(left ‖ right)`, leaves are raw words, an empty subtree of height `h`
///         has the root `zeroHash(h)`, and proofs are sibling lists read bottom-up, bit `b` of the
///         index saying whether the node at height `b` is a right child.
/// @dev Every function is `internal`, so it is inlined into the calling contract. Hashing uses the
///      scratch space (memory 0x00–0x3f); nothing allocates memory except `composeRoot` (3 words a
///      subtree, and a zero table and stack in free memory past them). Functions named `...Memory`
///      take the proof from memory instead of calldata; they compute exactly the same values.
///      A proof's length is the number of levels it climbs. Functions without a `depth` argument take
///      the depth from the proof: a caller whose tree has a fixed depth must use the variants that
///      check it (`verifyLeaf`, `verifySubtree`, `updateSubtree`, the 6-argument `updateLeaf`), or a
///      short proof would prove an inner node as if it were a leaf.
library Merkle {
    /// @notice An aligned subtree: height `height`, index `index` (it covers leaves
    ///         `index·2^height … (index+1)·2^height - 1`), with root `root`.
    struct Subtree {
        uint256 index;
        uint256 height;
        bytes32 root;
    }

    /// @notice The deepest tree the zero-hash table and `composeRoot` support.
    uint256 internal constant MAX_DEPTH = 64;

    /// @notice The proof has `actual` siblings where the tree needs `expected`.
    error ProofLengthMismatch(uint256 expected, uint256 actual);
    /// @notice `index` is not below `2^depth`, `depth` being the number of levels above the proved node.
    error IndexOutOfRange(uint256 index, uint256 depth);
    /// @notice The proof leads to `computed`, not to the `expected` root.
    error RootMismatch(bytes32 expected, bytes32 computed);
    /// @notice A subtree of height `height` does not fit in a tree of depth `depth`.
    error HeightOutOfRange(uint256 height, uint256 depth);
    /// @notice `depth` exceeds the supported maximum `max` (`MAX_DEPTH`).
    error DepthTooLarge(uint256 depth, uint256 max);
    /// @notice Subtree number `position` starts at leaf `start`, before the previous one's start `previousStart`.
    error SubtreesNotSorted(uint256 position, uint256 previousStart, uint256 start);
    /// @notice Subtree number `position` starts at leaf `start`, inside the previous one (which ends before `previousEnd`).
    error SubtreesOverlap(uint256 position, uint256 previousEnd, uint256 start);

    // ------------------------------------------------------------------ zero hashes

    /// @notice The root of an all-zero subtree of height `h`: `Z[0] = 0`, `Z[h+1] = H(Z[h] ‖ Z[h])`.
    /// @dev A precomputed table searched by binary search: at most about 370 gas at any height,
    ///      against about 120 gas a level for hashing from zero (measured in
    ///      contracts/test/commitment: the table wins from height 4 on). Reverts
    ///      `DepthTooLarge(h, MAX_DEPTH)` above 64.
    function zeroHash(uint256 h) internal pure returns (bytes32 z) {
        if (h > MAX_DEPTH) revert DepthTooLarge(h, MAX_DEPTH);
        assembly ("memory-safe") {
            switch lt(h, 33)
            case 0 {
                switch lt(h, 49)
                case 0 {
                    switch lt(h, 57)
                    case 0 {
                        switch lt(h, 61)
                        case 0 {
                            switch lt(h, 63)
                            case 0 {
                                switch h
                                case 63 { z := 0x0a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6 }
                                default { z := 0xe2c3ed4052eeb1d60514b4c38ece8d73a27f37fa5b36dcbf338e70de95798caa }
                            }
                            default {
                                switch h
                                case 61 { z := 0xd06f27061c734d7825b46865d00aa900e5cc3a3672080e527171e1171aa5038a }
                                default { z := 0x28203985b5f2d87709171678169739f957d2745f4bfa5cc91e2b4bd9bf483b40 }
                            }
                        }
                        default {
                            switch lt(h, 59)
                            case 0 {
                                switch h
                                case 59 { z := 0x14af5385bcbb1e4738bbae8106046e6e2fca42875aa5c000c582587742bcc748 }
                                default { z := 0x72f29656803c2f4be177b1b8dd2a5137892b080b022100fde4e96d93ef8c96ff }
                            }
                            default {
                                switch h
                                case 57 { z := 0x3c5cbbeb3834b7a5c1cba9aa5fee0c95ec3f17a33ec3d8047fff799187f5ae20 }
                                default { z := 0x40bbe913c226c34c9fbe4389dd728984257a816892b3cae3e43191dd291f0eb5 }
                            }
                        }
                    }
                    default {
                        switch lt(h, 53)
                        case 0 {
                            switch lt(h, 55)
                            case 0 {
                                switch h
                                case 55 { z := 0x08601d83cdd34b5f7b8df63e7b9a16519d35473d0b89c317beed3d3d9424b253 }
                                default { z := 0x84e35c5d92171376cae5c86300822d729cd3a8479583bef09527027dba5f1126 }
                            }
                            default {
                                switch h
                                case 53 { z := 0x6339bf06e458f6646df5e83ba7c3d35bc263b3222c8e9040068847749ca8e8f9 }
                                default { z := 0x5045e4342aeb521eb3a5587ec268ed3aa6faf32b62b0bc41a9d549521f406fc3 }
                            }
                        }
                        default {
                            switch lt(h, 51)
                            case 0 {
                                switch h
                                case 51 { z := 0xc1bf0bbdd7fee15764845db875f6432559ff8dbc9055324431bc34e5b93d15da }
                                default { z := 0x307317849eccd90c0c7b98870b9317c15a5959dcfb84c76dcc908c4fe6ba9212 }
                            }
                            default {
                                switch h
                                case 49 { z := 0x67c4a1ea624f092a3a5cca2d6f0f0db231972fce627f0ecca0dee60f17551c5f }
                                default { z := 0x8fdaeb5ab560b2ceb781cdb339361a0fbee1b9dffad59115138c8d6a70dda9cc }
                            }
                        }
                    }
                }
                default {
                    switch lt(h, 41)
                    case 0 {
                        switch lt(h, 45)
                        case 0 {
                            switch lt(h, 47)
                            case 0 {
                                switch h
                                case 47 { z := 0x04dbb9db631457879b27e0dfdbe50158fd9cf9b4cf77605c4ac4c95bd65fc9f6 }
                                default { z := 0xf9295a686647cb999090819cda700820c282c613cedcd218540bbc6f37b01c65 }
                            }
                            default {
                                switch h
                                case 45 { z := 0x134d7f28d53f175f6bf4b62faa2110d5b76f0f770c15e628181c1fcc18f970a9 }
                                default { z := 0xc34d24b2fc8c50ca9c07a7156ef4e5ff4bdf002eda0b11c1d359d0b59a546807 }
                            }
                        }
                        default {
                            switch lt(h, 43)
                            case 0 {
                                switch h
                                case 43 { z := 0xa10d3ef857d04d9c03ead7c6317d797a090fa1271ad9c7addfbcb412e9643d4f }
                                default { z := 0xb33b1809c42623f474055fa9400a2027a7a885c8dfa4efe20666b4ee27d7529c }
                            }
                            default {
                                switch h
                                case 41 { z := 0x0c4e2d8ce834ffd7a6cd85d7113d4521abb857774845c4291e6f6d010d97e318 }
                                default { z := 0x5bc799d83e3bb31501b3da786680df30fbc18eb41cbce611e8c0e9c72f69571c }
                            }
                        }
                    }
                    default {
                        switch lt(h, 37)
                        case 0 {
                            switch lt(h, 39)
                            case 0 {
                                switch h
                                case 39 { z := 0x75786645d0c5dd7c04a2f8a75dcae085213652f5bce3ea8b9b9bedd1cab3c5e9 }
                                default { z := 0xb88b152c9b8a7b79637d35911848b0c41e7cc7cca2ab4fe9a15f9c38bb4bb939 }
                            }
                            default {
                                switch h
                                case 37 { z := 0x743cc5c365a9a6a15c1f240ac25880c7a9d1de290696cb766074a1d83d927816 }
                                default { z := 0x4adcf616c3bfabf63999a01966c998b7bb572774035a63ead49da73b5987f347 }
                            }
                        }
                        default {
                            switch lt(h, 35)
                            case 0 {
                                switch h
                                case 35 { z := 0xae824d72ddc272aab68a8c3022e36f10454437c1886f3ff9927b64f232df414f }
                                default { z := 0x27e429a4bef3083bc31a671d046ea5c1f5b8c3094d72868d9dfdc12c7334ac5f }
                            }
                            default {
                                switch h
                                case 33 { z := 0xbf558bebd2ceec7f3c5dce04a4782f88c2c6036ae78ee206d0bc5289d20461a2 }
                                default { z := 0xe21908c2968c0699040a6fd866a577a99a9d2ec88745c815fd4a472c789244da }
                            }
                        }
                    }
                }
            }
            default {
                switch lt(h, 17)
                case 0 {
                    switch lt(h, 25)
                    case 0 {
                        switch lt(h, 29)
                        case 0 {
                            switch lt(h, 31)
                            case 0 {
                                switch h
                                case 31 { z := 0x8448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a9 }
                                default { z := 0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757 }
                            }
                            default {
                                switch h
                                case 29 { z := 0x388ab20e2573d171a88108e79d820e98f26c0b84aa8b2f4aa4968dbb818ea322 }
                                default { z := 0x93237c50ba75ee485f4c22adf2f741400bdf8d6a9cc7df7ecae576221665d735 }
                            }
                        }
                        default {
                            switch lt(h, 27)
                            case 0 {
                                switch h
                                case 27 { z := 0x838c5655cb21c6cb83313b5a631175dff4963772cce9108188b34ac87c81c41e }
                                default { z := 0x662ee4dd2dd7b2bc707961b1e646c4047669dcb6584f0d8d770daf5d7e7deb2e }
                            }
                            default {
                                switch h
                                case 25 { z := 0x0abf5ac974a1ed57f4050aa510dd9c74f508277b39d7973bb2dfccc5eeb0618d }
                                default { z := 0xb8cd74046ff337f0a7bf2c8e03e10f642c1886798d71806ab1e888d9e5ee87d0 }
                            }
                        }
                    }
                    default {
                        switch lt(h, 21)
                        case 0 {
                            switch lt(h, 23)
                            case 0 {
                                switch h
                                case 23 { z := 0x4df84f40ae0c8229d0d6069e5c8f39a7c299677a09d367fc7b05e3bc380ee652 }
                                default { z := 0xcdc72595f74c7b1043d0e1ffbab734648c838dfb0527d971b602bc216c9619ef }
                            }
                            default {
                                switch h
                                case 21 { z := 0xf4418588ed35a2458cffeb39b93d26f18d2ab13bdce6aee58e7b99359ec2dfd9 }
                                default { z := 0x5a9c16dc00d6ef18b7933a6f8dc65ccb55667138776f7dea101070dc8796e377 }
                            }
                        }
                        default {
                            switch lt(h, 19)
                            case 0 {
                                switch h
                                case 19 { z := 0xb46a28b6f55540f89444f63de0378e3d121be09e06cc9ded1c20e65876d36aa0 }
                                default { z := 0xc65e9645644786b620e2dd2ad648ddfcbf4a7e5b1a3a4ecfe7f64667a3f0b7e2 }
                            }
                            default {
                                switch h
                                case 17 { z := 0xe1d3b5c807b281e4683cc6d6315cf95b9ade8641defcb32372f1c126e398ef7a }
                                default { z := 0x5a2dce0a8a7f68bb74560f8f71837c2c2ebbcbf7fffb42ae1896f13f7c7479a0 }
                            }
                        }
                    }
                }
                default {
                    switch lt(h, 9)
                    case 0 {
                        switch lt(h, 13)
                        case 0 {
                            switch lt(h, 15)
                            case 0 {
                                switch h
                                case 15 { z := 0xda7bce9f4e8618b6bd2f4132ce798cdc7a60e7e1460a7299e3c6342a579626d2 }
                                default { z := 0x2733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981f }
                            }
                            default {
                                switch h
                                case 13 { z := 0xc1df82d9c4b87413eae2ef048f94b4d3554cea73d92b0f7af96e0271c691e2bb }
                                default { z := 0x5c67add7c6caf302256adedf7ab114da0acfe870d449a3a489f781d659e8becc }
                            }
                        }
                        default {
                            switch lt(h, 11)
                            case 0 {
                                switch h
                                case 11 { z := 0xf8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf892 }
                                default { z := 0x3490c6ceeb450aecdc82e28293031d10c7d73bf85e57bf041a97360aa2c5d99c }
                            }
                            default {
                                switch h
                                case 9 { z := 0xcefad4e508c098b9a7e1d8feb19955fb02ba9675585078710969d3440f5054e0 }
                                default { z := 0xf9dc3e7fe016e050eff260334f18a5d4fe391d82092319f5964f2e2eb7c1c3a5 }
                            }
                        }
                    }
                    default {
                        switch lt(h, 5)
                        case 0 {
                            switch lt(h, 7)
                            case 0 {
                                switch h
                                case 7 { z := 0xffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83 }
                                default { z := 0x9867cc5f7f196b93bae1e27e6320742445d290f2263827498b54fec539f756af }
                            }
                            default {
                                switch h
                                case 5 { z := 0x0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d }
                                default { z := 0x887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968 }
                            }
                        }
                        default {
                            switch lt(h, 3)
                            case 0 {
                                switch h
                                case 3 { z := 0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85 }
                                default { z := 0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344 }
                            }
                            default {
                                switch lt(h, 2)
                                case 0 {
                                    z := 0xb4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d30
                                }
                                default {
                                    switch h
                                    case 0 { z := 0x0000000000000000000000000000000000000000000000000000000000000000 }
                                    default {
                                        z := 0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ leaves (calldata proofs)

    /// @notice The root reached from `leaf` at `index` by climbing the siblings in `proof` (bottom-up).
    ///         The tree's depth is `proof.length`.
    /// @dev Reverts `IndexOutOfRange(index, proof.length)` when `index >= 2^proof.length`, so that an
    ///      index never aliases a smaller one by its ignored high bits.
    function rootFromLeaf(bytes32 leaf, uint256 index, bytes32[] calldata proof) internal pure returns (bytes32) {
        uint256 len = proof.length;
        if (index >> len != 0) revert IndexOutOfRange(index, len);
        return _climbCalldata(leaf, index, proof);
    }

    /// @notice Checks that `leaf` is leaf `index` of the depth-`depth` tree with root `root`.
    /// @dev Reverts `ProofLengthMismatch(depth, proof.length)`, `IndexOutOfRange(index, depth)` or
    ///      `RootMismatch(root, computed)`.
    function verifyLeaf(bytes32 root, bytes32 leaf, uint256 index, bytes32[] calldata proof, uint256 depth)
        internal
        pure
    {
        _checkShape(index, proof.length, depth);
        bytes32 computed = _climbCalldata(leaf, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @notice The root after leaf `index` changes from `oldLeaf` to `newLeaf`, checking `oldLeaf`
    ///         against `root` with the same proof. The tree's depth is `proof.length`.
    /// @dev Reverts `IndexOutOfRange(index, proof.length)` or `RootMismatch(root, computed)`. Both
    ///      roots are climbed in one pass, sharing the sibling reads.
    function updateLeaf(bytes32 root, bytes32 oldLeaf, bytes32 newLeaf, uint256 index, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32 newRoot)
    {
        uint256 len = proof.length;
        if (index >> len != 0) revert IndexOutOfRange(index, len);
        bytes32 computed;
        (computed, newRoot) = _climbTwoCalldata(oldLeaf, newLeaf, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @notice `updateLeaf` for a tree of fixed depth `depth`.
    /// @dev Reverts `ProofLengthMismatch(depth, proof.length)`, `IndexOutOfRange(index, depth)` or
    ///      `RootMismatch(root, computed)`.
    function updateLeaf(
        bytes32 root,
        bytes32 oldLeaf,
        bytes32 newLeaf,
        uint256 index,
        bytes32[] calldata proof,
        uint256 depth
    ) internal pure returns (bytes32 newRoot) {
        _checkShape(index, proof.length, depth);
        bytes32 computed;
        (computed, newRoot) = _climbTwoCalldata(oldLeaf, newLeaf, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    // ------------------------------------------------------------------ subtrees (calldata proofs)

    /// @notice The root reached from the root `subRoot` of the height-`height` subtree at `index`
    ///         (covering leaves `index·2^height …`). The tree's depth is `height + proof.length`.
    /// @dev Reverts `IndexOutOfRange(index, proof.length)` when `index >= 2^proof.length` and
    ///      `DepthTooLarge(height + proof.length, MAX_DEPTH)` for a tree deeper than 64.
    function rootFromSubtree(bytes32 subRoot, uint256 index, uint256 height, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32)
    {
        uint256 len = proof.length;
        if (height > MAX_DEPTH || len > MAX_DEPTH - height) revert DepthTooLarge(height + len, MAX_DEPTH);
        if (index >> len != 0) revert IndexOutOfRange(index, len);
        return _climbCalldata(subRoot, index, proof);
    }

    /// @notice Checks that `subRoot` is the root of the height-`height` subtree at `index` of the
    ///         depth-`depth` tree with root `root`.
    /// @dev Reverts `HeightOutOfRange(height, depth)`, `ProofLengthMismatch(depth - height, proof.length)`,
    ///      `IndexOutOfRange(index, depth - height)` or `RootMismatch(root, computed)`.
    function verifySubtree(
        bytes32 root,
        bytes32 subRoot,
        uint256 index,
        uint256 height,
        bytes32[] calldata proof,
        uint256 depth
    ) internal pure {
        if (height > depth) revert HeightOutOfRange(height, depth);
        _checkShape(index, proof.length, depth - height);
        bytes32 computed = _climbCalldata(subRoot, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @notice The root after the height-`height` subtree at `index` of a depth-`depth` tree changes
    ///         from `oldSubRoot` to `newSubRoot` (e.g. a tensor written at an aligned address of a
    ///         memory), checking `oldSubRoot` against `root` with the same proof.
    /// @dev Reverts `HeightOutOfRange(height, depth)`, `ProofLengthMismatch(depth - height, proof.length)`,
    ///      `IndexOutOfRange(index, depth - height)` or `RootMismatch(root, computed)`.
    function updateSubtree(
        bytes32 root,
        bytes32 oldSubRoot,
        bytes32 newSubRoot,
        uint256 index,
        uint256 height,
        bytes32[] calldata proof,
        uint256 depth
    ) internal pure returns (bytes32 newRoot) {
        if (height > depth) revert HeightOutOfRange(height, depth);
        _checkShape(index, proof.length, depth - height);
        bytes32 computed;
        (computed, newRoot) = _climbTwoCalldata(oldSubRoot, newSubRoot, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    // ------------------------------------------------------------------ memory-proof variants

    /// @notice `rootFromLeaf` with the proof in memory.
    function rootFromLeafMemory(bytes32 leaf, uint256 index, bytes32[] memory proof) internal pure returns (bytes32) {
        uint256 len = proof.length;
        if (index >> len != 0) revert IndexOutOfRange(index, len);
        return _climbMemory(leaf, index, proof);
    }

    /// @notice `verifyLeaf` with the proof in memory.
    function verifyLeafMemory(bytes32 root, bytes32 leaf, uint256 index, bytes32[] memory proof, uint256 depth)
        internal
        pure
    {
        _checkShape(index, proof.length, depth);
        bytes32 computed = _climbMemory(leaf, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @notice `updateLeaf` (fixed depth) with the proof in memory.
    function updateLeafMemory(
        bytes32 root,
        bytes32 oldLeaf,
        bytes32 newLeaf,
        uint256 index,
        bytes32[] memory proof,
        uint256 depth
    ) internal pure returns (bytes32 newRoot) {
        _checkShape(index, proof.length, depth);
        bytes32 computed;
        (computed, newRoot) = _climbTwoMemory(oldLeaf, newLeaf, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @notice `rootFromSubtree` with the proof in memory.
    function rootFromSubtreeMemory(bytes32 subRoot, uint256 index, uint256 height, bytes32[] memory proof)
        internal
        pure
        returns (bytes32)
    {
        uint256 len = proof.length;
        if (height > MAX_DEPTH || len > MAX_DEPTH - height) revert DepthTooLarge(height + len, MAX_DEPTH);
        if (index >> len != 0) revert IndexOutOfRange(index, len);
        return _climbMemory(subRoot, index, proof);
    }

    /// @notice `verifySubtree` with the proof in memory.
    function verifySubtreeMemory(
        bytes32 root,
        bytes32 subRoot,
        uint256 index,
        uint256 height,
        bytes32[] memory proof,
        uint256 depth
    ) internal pure {
        if (height > depth) revert HeightOutOfRange(height, depth);
        _checkShape(index, proof.length, depth - height);
        bytes32 computed = _climbMemory(subRoot, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    /// @notice `updateSubtree` with the proof in memory.
    function updateSubtreeMemory(
        bytes32 root,
        bytes32 oldSubRoot,
        bytes32 newSubRoot,
        uint256 index,
        uint256 height,
        bytes32[] memory proof,
        uint256 depth
    ) internal pure returns (bytes32 newRoot) {
        if (height > depth) revert HeightOutOfRange(height, depth);
        _checkShape(index, proof.length, depth - height);
        bytes32 computed;
        (computed, newRoot) = _climbTwoMemory(oldSubRoot, newSubRoot, index, proof);
        if (computed != root) revert RootMismatch(root, computed);
    }

    // ------------------------------------------------------------------ composing a root

    /// @notice The root of a depth-`depth` tree whose leaves are all zero except the given aligned
    ///         subtrees (what builds a phase-2 initial VM memory root on chain, docs/protocol.md §2.1).
    /// @param subtrees Sorted by first leaf, non-overlapping; each `index < 2^(depth - height)`.
    /// @dev Hashes each node on the union of the subtrees' paths to the root exactly once, beside
    ///      zero subtrees wherever a sibling holds none of them. Left to right, with a stack: two
    ///      neighbouring nodes are joined at their lowest common ancestor (level = bit length of the
    ///      XOR of their first leaves) as soon as no later subtree can join either of them lower.
    ///      Zero hashes come from a table it builds in free memory (one hash per level). Reverts
    ///      `DepthTooLarge(depth, 64)`, `HeightOutOfRange(height, depth)`,
    ///      `IndexOutOfRange(index, depth - height)`, `SubtreesNotSorted(i, previousStart, start)` or
    ///      `SubtreesOverlap(i, previousEnd, start)`. No subtrees gives `zeroHash(depth)`.
    function composeRoot(uint256 depth, Subtree[] memory subtrees) internal pure returns (bytes32 root) {
        if (depth > MAX_DEPTH) revert DepthTooLarge(depth, MAX_DEPTH);
        uint256 n = subtrees.length;
        if (n == 0) return zeroHash(depth);

        // The checked subtrees, in leaf order, 3 words each: first leaf, root, height.
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, mul(n, 0x60)))
        }
        uint256 prevStart;
        uint256 prevEnd;
        for (uint256 i; i < n; ++i) {
            Subtree memory s = subtrees[i];
            uint256 h = s.height;
            uint256 index = s.index;
            if (h > depth) revert HeightOutOfRange(h, depth);
            if (index >> (depth - h) != 0) revert IndexOutOfRange(index, depth - h);
            uint256 start = index << h;
            if (i != 0 && start < prevEnd) {
                if (start < prevStart) revert SubtreesNotSorted(i, prevStart, start);
                revert SubtreesOverlap(i, prevEnd, start);
            }
            prevStart = start;
            prevEnd = start + (uint256(1) << h);
            bytes32 subRoot = s.root;
            assembly ("memory-safe") {
                let e := add(buf, mul(i, 0x60))
                mstore(e, start)
                mstore(add(e, 0x20), subRoot)
                mstore(add(e, 0x40), h)
            }
        }

        assembly ("memory-safe") {
            // The level of the lowest common ancestor of two distinct first leaves `a`, `b` (< 2^64):
            // the bit length of a XOR b.
            function lca(a, b) -> l {
                let x := xor(a, b)
                l := shl(5, gt(x, 0xffffffff))
                l := or(l, shl(4, gt(shr(l, x), 0xffff)))
                l := or(l, shl(3, gt(shr(l, x), 0xff)))
                l := or(l, shl(2, gt(shr(l, x), 0xf)))
                l := or(l, shl(1, gt(shr(l, x), 0x3)))
                l := add(or(l, gt(shr(l, x), 0x1)), 1)
            }
            // Climbs node `v` (first leaf `start`) from level `from` to level `to` beside zero subtrees.
            function climb(v, start, from, to, zt) -> r {
                r := v
                let pos := shr(from, start)
                for { let l := from } lt(l, to) { l := add(l, 1) } {
                    let s := and(shl(5, pos), 0x20)
                    mstore(s, r)
                    mstore(xor(s, 0x20), mload(add(zt, shl(5, l))))
                    r := keccak256(0x00, 0x40)
                    pos := shr(1, pos)
                }
            }
            // Joins stack entries `u` (left) and `t` (right) into `u`, at their common ancestor.
            function join(u, t, zt) {
                let us := mload(u)
                let ts := mload(t)
                let l := lca(us, ts)
                let left := climb(mload(add(u, 0x20)), us, mload(add(u, 0x40)), sub(l, 1), zt)
                let right := climb(mload(add(t, 0x20)), ts, mload(add(t, 0x40)), sub(l, 1), zt)
                mstore(0x00, left)
                mstore(0x20, right)
                mstore(add(u, 0x20), keccak256(0x00, 0x40))
                mstore(u, shl(l, shr(l, us)))
                mstore(add(u, 0x40), l)
            }

            // Zero hashes Z[0..depth] in free memory, then the stack after them.
            let zt := mload(0x40)
            mstore(zt, 0)
            for { let l := 0 } lt(l, depth) { l := add(l, 1) } {
                let z := mload(add(zt, shl(5, l)))
                mstore(0x00, z)
                mstore(0x20, z)
                mstore(add(zt, shl(5, add(l, 1))), keccak256(0x00, 0x40))
            }
            let st := add(zt, shl(5, add(depth, 1)))
            let sp := st
            for {
                let e := buf
                let end := add(buf, mul(n, 0x60))
            } lt(e, end) { e := add(e, 0x60) } {
                let ns := mload(e)
                // While the top two entries meet below where the top meets the new subtree, join them.
                for {} gt(sub(sp, st), 0x60) {} {
                    let t := sub(sp, 0x60)
                    let u := sub(t, 0x60)
                    let ts := mload(t)
                    if iszero(lt(lca(mload(u), ts), lca(ts, ns))) { break }
                    join(u, t, zt)
                    sp := t
                }
                mstore(sp, ns)
                mstore(add(sp, 0x20), mload(add(e, 0x20)))
                mstore(add(sp, 0x40), mload(add(e, 0x40)))
                sp := add(sp, 0x60)
            }
            // What is left joins from the top down, then climbs to the root.
            for {} gt(sub(sp, st), 0x60) {} {
                let t := sub(sp, 0x60)
                join(sub(t, 0x60), t, zt)
                sp := t
            }
            root := climb(mload(add(st, 0x20)), mload(st), mload(add(st, 0x40)), depth, zt)
        }
    }

    // ------------------------------------------------------------------ internals

    /// @dev `H(a ‖ b)` in the scratch space.
    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }

    /// @dev Reverts unless a proof of `len` siblings for node `index` fits a tree of `depth` levels.
    function _checkShape(uint256 index, uint256 len, uint256 depth) private pure {
        if (len != depth) revert ProofLengthMismatch(depth, len);
        if (index >> depth != 0) revert IndexOutOfRange(index, depth);
    }

    /// @dev Climbs from `node` at `index` through the calldata siblings; the caller checked `index`.
    ///      Bit `b` of the index, times 32, is `and(shl(5 - b, index), 0x20)`: the node's offset in the
    ///      scratch space (0x00 left, 0x20 right), its sibling at the other half. Unrolled four levels
    ///      at a time (about 113 gas a level instead of 170).
    function _climbCalldata(bytes32 node, uint256 index, bytes32[] calldata proof) private pure returns (bytes32 r) {
        assembly ("memory-safe") {
            r := node
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            let end4 := sub(end, shl(5, and(proof.length, 3)))
            for {} lt(p, end4) { p := add(p, 0x80) } {
                let s := and(shl(5, index), 0x20)
                mstore(s, r)
                mstore(xor(s, 0x20), calldataload(p))
                s := and(shl(4, index), 0x20)
                mstore(s, keccak256(0x00, 0x40))
                mstore(xor(s, 0x20), calldataload(add(p, 0x20)))
                s := and(shl(3, index), 0x20)
                mstore(s, keccak256(0x00, 0x40))
                mstore(xor(s, 0x20), calldataload(add(p, 0x40)))
                s := and(shl(2, index), 0x20)
                mstore(s, keccak256(0x00, 0x40))
                mstore(xor(s, 0x20), calldataload(add(p, 0x60)))
                r := keccak256(0x00, 0x40)
                index := shr(4, index)
            }
            for {} lt(p, end) { p := add(p, 0x20) } {
                let s := and(shl(5, index), 0x20)
                mstore(s, r)
                mstore(xor(s, 0x20), calldataload(p))
                r := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
    }

    /// @dev Climbs from `node` at `index` through the memory siblings; the caller checked `index`.
    ///      The same unrolled climb as `_climbCalldata`.
    function _climbMemory(bytes32 node, uint256 index, bytes32[] memory proof) private pure returns (bytes32 r) {
        assembly ("memory-safe") {
            r := node
            let len := mload(proof)
            let p := add(proof, 0x20)
            let end := add(p, shl(5, len))
            let end4 := sub(end, shl(5, and(len, 3)))
            for {} lt(p, end4) { p := add(p, 0x80) } {
                let s := and(shl(5, index), 0x20)
                mstore(s, r)
                mstore(xor(s, 0x20), mload(p))
                s := and(shl(4, index), 0x20)
                mstore(s, keccak256(0x00, 0x40))
                mstore(xor(s, 0x20), mload(add(p, 0x20)))
                s := and(shl(3, index), 0x20)
                mstore(s, keccak256(0x00, 0x40))
                mstore(xor(s, 0x20), mload(add(p, 0x40)))
                s := and(shl(2, index), 0x20)
                mstore(s, keccak256(0x00, 0x40))
                mstore(xor(s, 0x20), mload(add(p, 0x60)))
                r := keccak256(0x00, 0x40)
                index := shr(4, index)
            }
            for {} lt(p, end) { p := add(p, 0x20) } {
                let s := and(shl(5, index), 0x20)
                mstore(s, r)
                mstore(xor(s, 0x20), mload(p))
                r := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
    }

    /// @dev Climbs `a` and `b` from the same `index` through the same calldata siblings at once,
    ///      storing each sibling once for both hashes; unrolled two levels at a time.
    function _climbTwoCalldata(bytes32 a, bytes32 b, uint256 index, bytes32[] calldata proof)
        private
        pure
        returns (bytes32 ra, bytes32 rb)
    {
        assembly ("memory-safe") {
            ra := a
            rb := b
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            let end2 := sub(end, shl(5, and(proof.length, 1)))
            for {} lt(p, end2) { p := add(p, 0x40) } {
                let s := and(shl(5, index), 0x20)
                mstore(xor(s, 0x20), calldataload(p))
                mstore(s, ra)
                ra := keccak256(0x00, 0x40)
                mstore(s, rb)
                rb := keccak256(0x00, 0x40)
                s := and(shl(4, index), 0x20)
                mstore(xor(s, 0x20), calldataload(add(p, 0x20)))
                mstore(s, ra)
                ra := keccak256(0x00, 0x40)
                mstore(s, rb)
                rb := keccak256(0x00, 0x40)
                index := shr(2, index)
            }
            if lt(p, end) {
                let s := and(shl(5, index), 0x20)
                mstore(xor(s, 0x20), calldataload(p))
                mstore(s, ra)
                ra := keccak256(0x00, 0x40)
                mstore(s, rb)
                rb := keccak256(0x00, 0x40)
            }
        }
    }

    /// @dev Climbs `a` and `b` from the same `index` through the same memory siblings at once;
    ///      the same unrolled climb as `_climbTwoCalldata`.
    function _climbTwoMemory(bytes32 a, bytes32 b, uint256 index, bytes32[] memory proof)
        private
        pure
        returns (bytes32 ra, bytes32 rb)
    {
        assembly ("memory-safe") {
            ra := a
            rb := b
            let len := mload(proof)
            let p := add(proof, 0x20)
            let end := add(p, shl(5, len))
            let end2 := sub(end, shl(5, and(len, 1)))
            for {} lt(p, end2) { p := add(p, 0x40) } {
                let s := and(shl(5, index), 0x20)
                mstore(xor(s, 0x20), mload(p))
                mstore(s, ra)
                ra := keccak256(0x00, 0x40)
                mstore(s, rb)
                rb := keccak256(0x00, 0x40)
                s := and(shl(4, index), 0x20)
                mstore(xor(s, 0x20), mload(add(p, 0x20)))
                mstore(s, ra)
                ra := keccak256(0x00, 0x40)
                mstore(s, rb)
                rb := keccak256(0x00, 0x40)
                index := shr(2, index)
            }
            if lt(p, end) {
                let s := and(shl(5, index), 0x20)
                mstore(xor(s, 0x20), mload(p))
                mstore(s, ra)
                ra := keccak256(0x00, 0x40)
                mstore(s, rb)
                rb := keccak256(0x00, 0x40)
            }
        }
    }
}
