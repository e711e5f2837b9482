// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {CommitmentVerifier} from "../../src/commitment/CommitmentVerifier.sol";
import {MerkleHarness} from "./MerkleHarness.sol";
import {RefTree} from "./RefTree.sol";

/// @notice Unit tests, revert tests and fuzzed properties of `Merkle`, checked against `RefTree`.
///         The calldata-proof functions are reached through the deployable `CommitmentVerifier`.
contract MerkleTest is Test {
    CommitmentVerifier internal cv;
    MerkleHarness internal h;

    function setUp() public {
        cv = new CommitmentVerifier();
        h = new MerkleHarness();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev `k` distinct random leaf indices below 2^depth (fewer if the tree is smaller), random values.
    function _randomTree(uint256 seed, uint256 depth, uint256 k)
        internal
        pure
        returns (uint256[] memory idx, bytes32[] memory val)
    {
        uint256 capacity = depth >= 8 ? 256 : uint256(1) << depth;
        if (k > capacity) k = capacity;
        idx = new uint256[](k);
        val = new bytes32[](k);
        uint256 mask = depth >= 256 ? type(uint256).max : (uint256(1) << depth) - 1;
        uint256 n;
        for (uint256 attempt; n < k; ++attempt) {
            uint256 r = uint256(keccak256(abi.encode(seed, "idx", attempt)));
            uint256 i = r & mask;
            bool dup;
            for (uint256 j; j < n; ++j) {
                if (idx[j] == i) dup = true;
            }
            if (dup) continue;
            idx[n] = i;
            val[n] = keccak256(abi.encode(seed, "val", attempt));
            ++n;
        }
    }

    function _one(uint256 i, bytes32 v) internal pure returns (uint256[] memory idx, bytes32[] memory val) {
        idx = new uint256[](1);
        val = new bytes32[](1);
        idx[0] = i;
        val[0] = v;
    }

    function _sample() internal pure returns (uint256[] memory idx, bytes32[] memory val) {
        return _randomTree(42, 4, 16);
    }

    // ------------------------------------------------------------------ zero hashes

    function test_zeroHash_matchesHashingFromZero_allHeights() public view {
        bytes32 z;
        for (uint256 i; i <= 64; ++i) {
            assertEq(cv.zeroHash(i), z, string.concat("Z[", vm.toString(i), "]"));
            z = keccak256(abi.encodePacked(z, z));
        }
    }

    function test_zeroHash_knownValues() public view {
        assertEq(cv.zeroHash(0), bytes32(0));
        assertEq(cv.zeroHash(1), keccak256(new bytes(64)));
        assertEq(cv.zeroHash(20), RefTree.zero(20));
    }

    function test_zeroHash_aboveMaxDepth_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.DepthTooLarge.selector, 65, 64));
        cv.zeroHash(65);
    }

    /// @notice The measurement behind the table: a lookup costs about the same at every height, the
    ///         loop grows by one hash per level; the table wins from height 4 on.
    function test_gas_zeroHash_tableBeatsHashingFromHeight4() public {
        h.zeroHash(0); // warm the harness account, so neither measurement pays the cold access
        uint256[6] memory heights = [uint256(4), 8, 16, 20, 32, 64];
        for (uint256 i; i < heights.length; ++i) {
            uint256 g0 = gasleft();
            h.zeroHash(heights[i]);
            uint256 g1 = gasleft();
            h.zeroHashComputed(heights[i]);
            uint256 g2 = gasleft();
            uint256 table = g0 - g1;
            uint256 loop = g1 - g2;
            emit log_named_uint(string.concat("zeroHash table, h=", vm.toString(heights[i])), table);
            emit log_named_uint(string.concat("zeroHash loop,  h=", vm.toString(heights[i])), loop);
            assertLt(table, loop, "table lookup should be cheaper");
        }
    }

    // ------------------------------------------------------------------ leaves

    function test_rootFromLeaf_matchesReference_everyLeaf() public view {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        for (uint256 i; i < idx.length; ++i) {
            bytes32[] memory p = RefTree.proof(idx, val, 4, idx[i]);
            assertEq(cv.rootFromLeaf(val[i], idx[i], p), root);
            assertTrue(cv.verifyLeaf(root, val[i], idx[i], p, 4));
        }
    }

    function test_rootFromLeaf_depthZero_isTheLeaf() public view {
        assertEq(cv.rootFromLeaf(bytes32(uint256(7)), 0, new bytes32[](0)), bytes32(uint256(7)));
        assertTrue(cv.verifyLeaf(bytes32(uint256(7)), bytes32(uint256(7)), 0, new bytes32[](0), 0));
    }

    function test_rootFromLeaf_depth20And40_sparseReference() public view {
        uint256[2] memory depths = [uint256(20), 40];
        for (uint256 d; d < 2; ++d) {
            (uint256[] memory idx, bytes32[] memory val) = _randomTree(d + 7, depths[d], 6);
            bytes32 root = RefTree.root(idx, val, depths[d]);
            for (uint256 i; i < idx.length; ++i) {
                bytes32[] memory p = RefTree.proof(idx, val, depths[d], idx[i]);
                assertTrue(cv.verifyLeaf(root, val[i], idx[i], p, depths[d]));
            }
        }
    }

    function test_rootFromLeaf_indexOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 16, 4));
        cv.rootFromLeaf(bytes32(0), 16, new bytes32[](4));
    }

    function test_verifyLeaf_proofTooShort_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[0]);
        bytes32[] memory short = new bytes32[](3);
        for (uint256 i; i < 3; ++i) {
            short[i] = p[i];
        }
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 4, 3));
        cv.verifyLeaf(RefTree.root(idx, val, 4), val[0], idx[0], short, 4);
    }

    function test_verifyLeaf_proofTooLong_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 4, 5));
        cv.verifyLeaf(bytes32(0), bytes32(0), 0, new bytes32[](5), 4);
    }

    function test_verifyLeaf_indexOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 16, 4));
        cv.verifyLeaf(bytes32(0), bytes32(0), 16, new bytes32[](4), 4);
    }

    function test_verifyLeaf_indexWithHighBits_reverts() public {
        // Without the range check, 2^255 + 3 would alias index 3.
        uint256 bad = (uint256(1) << 255) | 3;
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, bad, 4));
        cv.verifyLeaf(bytes32(0), bytes32(0), bad, new bytes32[](4), 4);
    }

    function test_verifyLeaf_wrongIndex_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[0]);
        uint256 wrong = idx[0] ^ 1;
        bytes32 computed = _climbRef(val[0], wrong, p);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, computed));
        cv.verifyLeaf(root, val[0], wrong, p, 4);
    }

    function test_verifyLeaf_wrongLeaf_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[0]);
        bytes32 bad = val[0] ^ bytes32(uint256(1));
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, _climbRef(bad, idx[0], p)));
        cv.verifyLeaf(root, bad, idx[0], p, 4);
    }

    function test_verifyLeaf_wrongRoot_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[0]);
        bytes32 wrongRoot = root ^ bytes32(uint256(1) << 255);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, wrongRoot, root));
        cv.verifyLeaf(wrongRoot, val[0], idx[0], p, 4);
    }

    function test_verifyLeaf_tamperedSibling_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[0]);
        p[2] = p[2] ^ bytes32(uint256(2));
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, _climbRef(val[0], idx[0], p)));
        cv.verifyLeaf(root, val[0], idx[0], p, 4);
    }

    /// @dev The climb from the definition, for expected `computed` values in revert tests.
    function _climbRef(bytes32 leaf, uint256 index, bytes32[] memory p) internal pure returns (bytes32 r) {
        r = leaf;
        for (uint256 i; i < p.length; ++i) {
            r = (index >> i) & 1 == 0 ? RefTree.hashPair(r, p[i]) : RefTree.hashPair(p[i], r);
        }
    }

    // ------------------------------------------------------------------ leaf writes

    function test_updateLeaf_newRootMatchesReference() public view {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[3]);
        bytes32 old = val[3];
        val[3] = keccak256("new");
        bytes32 expected = RefTree.root(idx, val, 4);
        assertEq(cv.updateLeaf(root, old, val[3], idx[3], p, 4), expected);
        assertEq(h.updateLeafFromProof(root, old, val[3], idx[3], p), expected);
        assertEq(h.updateLeafMemory(root, old, val[3], idx[3], p, 4), expected);
        assertTrue(cv.verifyLeaf(expected, val[3], idx[3], p, 4));
    }

    function test_updateLeaf_sameLeaf_keepsRoot() public view {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[1]);
        assertEq(cv.updateLeaf(root, val[1], val[1], idx[1], p, 4), root);
    }

    function test_updateLeaf_wrongOldLeaf_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.proof(idx, val, 4, idx[0]);
        bytes32 bad = val[0] ^ bytes32(uint256(1));
        bytes32 computed = _climbRef(bad, idx[0], p);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, computed));
        cv.updateLeaf(root, bad, bytes32(0), idx[0], p, 4);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, computed));
        h.updateLeafFromProof(root, bad, bytes32(0), idx[0], p);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, computed));
        h.updateLeafMemory(root, bad, bytes32(0), idx[0], p, 4);
    }

    function test_updateLeaf_wrongProofLength_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 20, 19));
        cv.updateLeaf(bytes32(0), bytes32(0), bytes32(0), 0, new bytes32[](19), 20);
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 20, 19));
        h.updateLeafMemory(bytes32(0), bytes32(0), bytes32(0), 0, new bytes32[](19), 20);
    }

    function test_updateLeaf_indexOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 8, 3));
        cv.updateLeaf(bytes32(0), bytes32(0), bytes32(0), 8, new bytes32[](3), 3);
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 8, 3));
        h.updateLeafFromProof(bytes32(0), bytes32(0), bytes32(0), 8, new bytes32[](3));
    }

    /// @notice The depth-from-proof form accepts a short proof of an inner node: why fixed-depth
    ///         callers must use the checked form, which refuses it.
    function test_updateLeaf_shortProof_onlyCheckedFormRefuses() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32 inner = RefTree.node(idx, val, 1, 0);
        bytes32[] memory p = RefTree.subtreeProof(idx, val, 4, 0, 1);
        // Unchecked: "writes" the inner node as if it were a leaf of a depth-3 tree.
        h.updateLeafFromProof(root, inner, bytes32(0), 0, p);
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 4, 3));
        cv.updateLeaf(root, inner, bytes32(0), 0, p, 4);
    }

    // ------------------------------------------------------------------ subtrees

    function test_rootFromSubtree_everyHeight_matchesReference() public view {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        for (uint256 ht; ht <= 4; ++ht) {
            for (uint256 j; j < (uint256(1) << (4 - ht)); ++j) {
                bytes32 sub = RefTree.node(idx, val, ht, j);
                bytes32[] memory p = RefTree.subtreeProof(idx, val, 4, j, ht);
                assertEq(cv.rootFromSubtree(sub, j, ht, p), root);
                assertTrue(cv.verifySubtree(root, sub, j, ht, p, 4));
                assertEq(h.rootFromSubtreeMemory(sub, j, ht, p), root);
                assertTrue(h.verifySubtreeMemory(root, sub, j, ht, p, 4));
            }
        }
    }

    function test_verifySubtree_heightAboveDepth_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.HeightOutOfRange.selector, 5, 4));
        cv.verifySubtree(bytes32(0), bytes32(0), 0, 5, new bytes32[](0), 4);
    }

    function test_verifySubtree_wrongProofLength_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 2, 4));
        cv.verifySubtree(bytes32(0), bytes32(0), 0, 2, new bytes32[](4), 4);
    }

    function test_verifySubtree_indexOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 4, 2));
        cv.verifySubtree(bytes32(0), bytes32(0), 4, 2, new bytes32[](2), 4);
    }

    function test_verifySubtree_wrongSubRoot_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.subtreeProof(idx, val, 4, 1, 2);
        bytes32 bad = RefTree.node(idx, val, 2, 0); // the neighbour's root, at index 1
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, _climbRef(bad, 1, p)));
        cv.verifySubtree(root, bad, 1, 2, p, 4);
    }

    function test_rootFromSubtree_indexOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 4, 2));
        cv.rootFromSubtree(bytes32(0), 4, 3, new bytes32[](2));
    }

    function test_rootFromSubtree_deeperThanMax_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.DepthTooLarge.selector, 65, 64));
        cv.rootFromSubtree(bytes32(0), 0, 60, new bytes32[](5));
    }

    function test_updateSubtree_everyHeight_matchesReference() public view {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        for (uint256 ht; ht <= 4; ++ht) {
            uint256 j = idx[5] >> ht;
            bytes32[] memory p = RefTree.subtreeProof(idx, val, 4, j, ht);
            // Clearing the subtree: the reference tree without its leaves.
            (uint256[] memory idx2, bytes32[] memory val2) = _without(idx, val, j << ht, (j + 1) << ht);
            bytes32 cleared = cv.updateSubtree(root, RefTree.node(idx, val, ht, j), RefTree.zero(ht), j, ht, p, 4);
            assertEq(cleared, RefTree.root(idx2, val2, 4));
        }
    }

    function _without(uint256[] memory idx, bytes32[] memory val, uint256 lo, uint256 hi)
        internal
        pure
        returns (uint256[] memory idx2, bytes32[] memory val2)
    {
        idx2 = new uint256[](idx.length);
        val2 = new bytes32[](idx.length);
        uint256 n;
        for (uint256 i; i < idx.length; ++i) {
            if (idx[i] < lo || idx[i] >= hi) {
                (idx2[n], val2[n]) = (idx[i], val[i]);
                ++n;
            }
        }
        assembly ("memory-safe") {
            mstore(idx2, n)
            mstore(val2, n)
        }
    }

    /// @dev The tree with every leaf of the height-`height` subtree at `j` replaced by a random one.
    function _refill(uint256[] memory idx, bytes32[] memory val, uint256 j, uint256 height, uint256 seed)
        internal
        pure
        returns (uint256[] memory idx3, bytes32[] memory val3)
    {
        (uint256[] memory idx2, bytes32[] memory val2) = _without(idx, val, j << height, (j + 1) << height);
        uint256 span = uint256(1) << height;
        idx3 = new uint256[](idx2.length + span);
        val3 = new bytes32[](idx2.length + span);
        for (uint256 i; i < idx2.length; ++i) {
            (idx3[i], val3[i]) = (idx2[i], val2[i]);
        }
        for (uint256 q; q < span; ++q) {
            (idx3[idx2.length + q], val3[idx2.length + q]) = ((j << height) + q, keccak256(abi.encode(seed, q)));
        }
    }

    function test_updateSubtree_heightAboveDepth_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.HeightOutOfRange.selector, 5, 4));
        cv.updateSubtree(bytes32(0), bytes32(0), bytes32(0), 0, 5, new bytes32[](0), 4);
    }

    function test_updateSubtree_wrongProofLength_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 3, 4));
        cv.updateSubtree(bytes32(0), bytes32(0), bytes32(0), 0, 1, new bytes32[](4), 4);
    }

    function test_updateSubtree_indexOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 8, 3));
        cv.updateSubtree(bytes32(0), bytes32(0), bytes32(0), 8, 1, new bytes32[](3), 4);
    }

    function test_updateSubtree_wrongOldSubRoot_reverts() public {
        (uint256[] memory idx, bytes32[] memory val) = _sample();
        bytes32 root = RefTree.root(idx, val, 4);
        bytes32[] memory p = RefTree.subtreeProof(idx, val, 4, 1, 2);
        bytes32 bad = keccak256("not the subtree");
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, _climbRef(bad, 1, p)));
        cv.updateSubtree(root, bad, bytes32(0), 1, 2, p, 4);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, _climbRef(bad, 1, p)));
        h.updateSubtreeMemory(root, bad, bytes32(0), 1, 2, p, 4);
    }

    function test_updateSubtreeMemory_badShape_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.HeightOutOfRange.selector, 5, 4));
        h.updateSubtreeMemory(bytes32(0), bytes32(0), bytes32(0), 0, 5, new bytes32[](0), 4);
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 3, 2));
        h.updateSubtreeMemory(bytes32(0), bytes32(0), bytes32(0), 0, 1, new bytes32[](2), 4);
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 8, 3));
        h.updateSubtreeMemory(bytes32(0), bytes32(0), bytes32(0), 8, 1, new bytes32[](3), 4);
    }

    struct SubWrite {
        uint256 depth;
        uint256 height;
        uint256 j;
        bytes32 root;
        bytes32 oldSub;
        bytes32 newSub;
        bytes32[] proof;
    }

    /// @notice Writing a subtree gives the root of the tree holding the new subtree's leaves instead of the old.
    function testFuzz_updateSubtree_agreesWithReference(uint256 seed, uint256 depth, uint256 height, uint256 j)
        public
        view
    {
        SubWrite memory w;
        w.depth = bound(depth, 0, 24);
        w.height = bound(height, 0, w.depth < 4 ? w.depth : 4);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, w.depth, 8);
        w.j = j % 2 == 0 ? idx[0] >> w.height : bound(j, 0, (uint256(1) << (w.depth - w.height)) - 1);
        w.root = RefTree.root(idx, val, w.depth);
        w.proof = RefTree.subtreeProof(idx, val, w.depth, w.j, w.height);
        w.oldSub = RefTree.node(idx, val, w.height, w.j);
        (idx, val) = _refill(idx, val, w.j, w.height, seed);
        w.newSub = RefTree.node(idx, val, w.height, w.j);
        bytes32 newRoot = cv.updateSubtree(w.root, w.oldSub, w.newSub, w.j, w.height, w.proof, w.depth);
        assertEq(newRoot, RefTree.root(idx, val, w.depth));
        assertEq(h.updateSubtreeMemory(w.root, w.oldSub, w.newSub, w.j, w.height, w.proof, w.depth), newRoot);
        assertTrue(cv.verifySubtree(newRoot, w.newSub, w.j, w.height, w.proof, w.depth));
    }

    // ------------------------------------------------------------------ composing roots

    function _subtrees(uint256 n) internal pure returns (Merkle.Subtree[] memory s) {
        s = new Merkle.Subtree[](n);
    }

    function test_composeRoot_noSubtrees_isZeroHash() public view {
        assertEq(cv.composeRoot(27, _subtrees(0)), RefTree.zero(27));
        assertEq(cv.composeRoot(0, _subtrees(0)), bytes32(0));
    }

    function test_composeRoot_wholeTree_isItsRoot() public view {
        Merkle.Subtree[] memory s = _subtrees(1);
        s[0] = Merkle.Subtree({index: 0, height: 5, root: keccak256("all")});
        assertEq(cv.composeRoot(5, s), keccak256("all"));
    }

    function test_composeRoot_threeSubtrees_matchesReference() public view {
        // A depth-6 tree: leaves 0..3 (height 2), leaf 9 (height 0), leaves 32..47 (height 4).
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(1, 6, 0);
        idx = new uint256[](21);
        val = new bytes32[](21);
        uint256 n;
        for (uint256 i; i < 4; ++i) {
            (idx[n], val[n]) = (i, keccak256(abi.encode("a", i)));
            ++n;
        }
        (idx[n], val[n]) = (9, keccak256("b"));
        ++n;
        for (uint256 i = 32; i < 48; ++i) {
            (idx[n], val[n]) = (i, keccak256(abi.encode("c", i)));
            ++n;
        }
        Merkle.Subtree[] memory s = _subtrees(3);
        s[0] = Merkle.Subtree({index: 0, height: 2, root: RefTree.node(idx, val, 2, 0)});
        s[1] = Merkle.Subtree({index: 9, height: 0, root: keccak256("b")});
        s[2] = Merkle.Subtree({index: 2, height: 4, root: RefTree.node(idx, val, 4, 2)});
        assertEq(cv.composeRoot(6, s), RefTree.root(idx, val, 6));
    }

    function test_composeRoot_siblingSubtreesOfDifferentHeights_matchesReference() public view {
        // Height-1 subtree at leaves 2..3 next to leaf 1; leaf 0 empty; depth 2.
        uint256[] memory idx = new uint256[](3);
        bytes32[] memory val = new bytes32[](3);
        (idx[0], val[0]) = (1, bytes32(uint256(11)));
        (idx[1], val[1]) = (2, bytes32(uint256(22)));
        (idx[2], val[2]) = (3, bytes32(uint256(33)));
        Merkle.Subtree[] memory s = _subtrees(2);
        s[0] = Merkle.Subtree({index: 1, height: 0, root: bytes32(uint256(11))});
        s[1] = Merkle.Subtree({index: 1, height: 1, root: RefTree.node(idx, val, 1, 1)});
        assertEq(cv.composeRoot(2, s), RefTree.root(idx, val, 2));
    }

    function test_composeRoot_depth64_matchesSubtreeClimb() public view {
        // One tensor subtree of height 5 at index 3 of a depth-64 tree: climbing zero siblings gives the same root.
        Merkle.Subtree[] memory s = _subtrees(1);
        s[0] = Merkle.Subtree({index: 3, height: 5, root: keccak256("t")});
        bytes32[] memory p = new bytes32[](59);
        for (uint256 l; l < 59; ++l) {
            p[l] = RefTree.zero(5 + l);
        }
        assertEq(cv.composeRoot(64, s), cv.rootFromSubtree(keccak256("t"), 3, 5, p));
    }

    function test_composeRoot_unsorted_reverts() public {
        Merkle.Subtree[] memory s = _subtrees(2);
        s[0] = Merkle.Subtree({index: 2, height: 1, root: bytes32(uint256(1))}); // leaves 4..5
        s[1] = Merkle.Subtree({index: 1, height: 0, root: bytes32(uint256(2))}); // leaf 1
        vm.expectRevert(abi.encodeWithSelector(Merkle.SubtreesNotSorted.selector, 1, 4, 1));
        cv.composeRoot(4, s);
    }

    function test_composeRoot_overlapping_reverts() public {
        Merkle.Subtree[] memory s = _subtrees(2);
        s[0] = Merkle.Subtree({index: 1, height: 2, root: bytes32(uint256(1))}); // leaves 4..7
        s[1] = Merkle.Subtree({index: 6, height: 0, root: bytes32(uint256(2))}); // leaf 6
        vm.expectRevert(abi.encodeWithSelector(Merkle.SubtreesOverlap.selector, 1, 8, 6));
        cv.composeRoot(4, s);
    }

    function test_composeRoot_duplicate_reverts() public {
        Merkle.Subtree[] memory s = _subtrees(2);
        s[0] = Merkle.Subtree({index: 3, height: 0, root: bytes32(uint256(1))});
        s[1] = Merkle.Subtree({index: 3, height: 0, root: bytes32(uint256(1))});
        vm.expectRevert(abi.encodeWithSelector(Merkle.SubtreesOverlap.selector, 1, 4, 3));
        cv.composeRoot(4, s);
    }

    function test_composeRoot_heightAboveDepth_reverts() public {
        Merkle.Subtree[] memory s = _subtrees(1);
        s[0] = Merkle.Subtree({index: 0, height: 5, root: bytes32(0)});
        vm.expectRevert(abi.encodeWithSelector(Merkle.HeightOutOfRange.selector, 5, 4));
        cv.composeRoot(4, s);
    }

    function test_composeRoot_indexOutOfRange_reverts() public {
        Merkle.Subtree[] memory s = _subtrees(1);
        s[0] = Merkle.Subtree({index: 4, height: 2, root: bytes32(0)});
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 4, 2));
        cv.composeRoot(4, s);
    }

    function test_composeRoot_depthAboveMax_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.DepthTooLarge.selector, 65, 64));
        cv.composeRoot(65, _subtrees(0));
    }

    // ------------------------------------------------------------------ fuzzed properties

    function testFuzz_rootFromLeaf_agreesWithReference(uint256 seed, uint256 depth, uint256 k, uint256 pick)
        public
        view
    {
        depth = bound(depth, 0, 40);
        k = bound(k, 1, 8);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, depth, k);
        uint256 i = pick % idx.length;
        bytes32 root = RefTree.root(idx, val, depth);
        bytes32[] memory p = RefTree.proof(idx, val, depth, idx[i]);
        assertEq(cv.rootFromLeaf(val[i], idx[i], p), root);
        assertEq(h.rootFromLeafMemory(val[i], idx[i], p), root);
        assertTrue(cv.verifyLeaf(root, val[i], idx[i], p, depth));
        assertTrue(h.verifyLeafMemory(root, val[i], idx[i], p, depth));
    }

    function testFuzz_verifyLeaf_otherLeaf_reverts(uint256 seed, uint256 depth, bytes32 other) public {
        depth = bound(depth, 1, 30);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, depth, 8);
        vm.assume(other != val[0]);
        bytes32 root = RefTree.root(idx, val, depth);
        bytes32[] memory p = RefTree.proof(idx, val, depth, idx[0]);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, _climbRef(other, idx[0], p)));
        cv.verifyLeaf(root, other, idx[0], p, depth);
    }

    function testFuzz_verifyLeaf_wrongIndex_reverts(uint256 seed, uint256 depth, uint256 wrong) public {
        depth = bound(depth, 1, 30);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, depth, 8);
        wrong = bound(wrong, 0, (uint256(1) << depth) - 1);
        vm.assume(wrong != idx[0]);
        bytes32 root = RefTree.root(idx, val, depth);
        bytes32[] memory p = RefTree.proof(idx, val, depth, idx[0]);
        bytes32 computed = _climbRef(val[0], wrong, p);
        // A different index with the same siblings can only reach the root if a sibling equals its node.
        vm.assume(computed != root);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, computed));
        cv.verifyLeaf(root, val[0], wrong, p, depth);
    }

    struct Write {
        uint256 depth;
        uint256 index;
        bytes32 root;
        bytes32 oldLeaf;
        bytes32 newLeaf;
        bytes32[] proof;
    }

    function testFuzz_updateLeaf_thenVerifyNewLeaf(uint256 seed, uint256 depth, uint256 pick, bytes32 newLeaf)
        public
        view
    {
        Write memory w;
        w.depth = bound(depth, 0, 40);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, w.depth, 6);
        uint256 i = pick % idx.length;
        w.index = idx[i];
        w.root = RefTree.root(idx, val, w.depth);
        w.proof = RefTree.proof(idx, val, w.depth, w.index);
        w.oldLeaf = val[i];
        w.newLeaf = newLeaf;
        val[i] = newLeaf;
        bytes32 newRoot = _checkUpdate(w, RefTree.root(idx, val, w.depth));
        // The other leaves still verify against the new root with their (updated) proofs.
        for (uint256 j; j < idx.length && j < 3; ++j) {
            assertTrue(cv.verifyLeaf(newRoot, val[j], idx[j], RefTree.proof(idx, val, w.depth, idx[j]), w.depth));
        }
    }

    /// @dev All three updateLeaf forms give `expected`, and the new leaf verifies under it.
    function _checkUpdate(Write memory w, bytes32 expected) internal view returns (bytes32 newRoot) {
        newRoot = cv.updateLeaf(w.root, w.oldLeaf, w.newLeaf, w.index, w.proof, w.depth);
        assertEq(newRoot, expected);
        assertEq(h.updateLeafFromProof(w.root, w.oldLeaf, w.newLeaf, w.index, w.proof), expected);
        assertEq(h.updateLeafMemory(w.root, w.oldLeaf, w.newLeaf, w.index, w.proof, w.depth), expected);
        assertTrue(cv.verifyLeaf(newRoot, w.newLeaf, w.index, w.proof, w.depth));
    }

    function testFuzz_updateLeaf_writeIntoEmptyLeaf(uint256 seed, uint256 depth, uint256 index, bytes32 leaf)
        public
        view
    {
        depth = bound(depth, 1, 30);
        index = bound(index, 0, (uint256(1) << depth) - 1);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, depth, 6);
        for (uint256 j; j < idx.length; ++j) {
            vm.assume(idx[j] != index);
        }
        bytes32 root = RefTree.root(idx, val, depth);
        bytes32[] memory p = RefTree.proof(idx, val, depth, index);
        bytes32 newRoot = cv.updateLeaf(root, bytes32(0), leaf, index, p, depth);
        (uint256[] memory idx2, bytes32[] memory val2) = _append(idx, val, index, leaf);
        assertEq(newRoot, RefTree.root(idx2, val2, depth));
    }

    function _append(uint256[] memory idx, bytes32[] memory val, uint256 i, bytes32 v)
        internal
        pure
        returns (uint256[] memory idx2, bytes32[] memory val2)
    {
        idx2 = new uint256[](idx.length + 1);
        val2 = new bytes32[](idx.length + 1);
        for (uint256 j; j < idx.length; ++j) {
            (idx2[j], val2[j]) = (idx[j], val[j]);
        }
        (idx2[idx.length], val2[idx.length]) = (i, v);
    }

    function testFuzz_subtree_agreesWithReference(uint256 seed, uint256 depth, uint256 height, uint256 j) public view {
        depth = bound(depth, 0, 24);
        height = bound(height, 0, depth);
        (uint256[] memory idx, bytes32[] memory val) = _randomTree(seed, depth, 8);
        // Half the time, prove the subtree that holds the first leaf (non-zero).
        j = j % 2 == 0 ? idx[0] >> height : bound(j, 0, (uint256(1) << (depth - height)) - 1);
        bytes32 root = RefTree.root(idx, val, depth);
        bytes32 sub = RefTree.node(idx, val, height, j);
        bytes32[] memory p = RefTree.subtreeProof(idx, val, depth, j, height);
        assertEq(cv.rootFromSubtree(sub, j, height, p), root);
        assertTrue(cv.verifySubtree(root, sub, j, height, p, depth));
        assertTrue(h.verifySubtreeMemory(root, sub, j, height, p, depth));
    }

    /// @dev Random subtrees being laid out left to right, with the leaves they hold.
    struct Layout {
        uint256[] idx;
        bytes32[] val;
        uint256 nLeaves;
        Merkle.Subtree[] subs;
        uint256 nSubs;
        uint256 cursor;
    }

    /// @notice composeRoot of random sorted, aligned, non-overlapping subtrees equals the reference
    ///         root of the tree that holds exactly their leaves.
    function testFuzz_composeRoot_agreesWithReference(uint256 seed, uint256 depth) public view {
        depth = bound(depth, 0, 10);
        Layout memory l;
        l.idx = new uint256[](64);
        l.val = new bytes32[](64);
        l.subs = new Merkle.Subtree[](8);
        for (uint256 r; l.nSubs < 8 && r < 16; ++r) {
            if (!_place(l, uint256(keccak256(abi.encode(seed, r))), depth)) break;
        }
        (uint256[] memory idx, bytes32[] memory val, Merkle.Subtree[] memory subs) = (l.idx, l.val, l.subs);
        (uint256 nLeaves, uint256 nSubs) = (l.nLeaves, l.nSubs);
        assembly ("memory-safe") {
            mstore(idx, nLeaves)
            mstore(val, nLeaves)
            mstore(subs, nSubs)
        }
        assertEq(cv.composeRoot(depth, subs), RefTree.root(idx, val, depth));
    }

    /// @notice The same over deep trees (up to 64) with a few small subtrees scattered across the
    ///         whole leaf range, so that paths meet high up (common ancestors above bit 32 included).
    function testFuzz_composeRoot_sparseDeepTree_agreesWithReference(uint256 seed, uint256 depth) public view {
        depth = bound(depth, 4, 64);
        Layout memory l;
        l.idx = new uint256[](12);
        l.val = new bytes32[](12);
        l.subs = new Merkle.Subtree[](6);
        for (uint256 r; l.nSubs < 6 && r < 12; ++r) {
            if (!_placeSparse(l, uint256(keccak256(abi.encode(seed, "sparse", r))), depth)) break;
        }
        (uint256[] memory idx, bytes32[] memory val, Merkle.Subtree[] memory subs) = (l.idx, l.val, l.subs);
        (uint256 nLeaves, uint256 nSubs) = (l.nLeaves, l.nSubs);
        assembly ("memory-safe") {
            mstore(idx, nLeaves)
            mstore(val, nLeaves)
            mstore(subs, nSubs)
        }
        assertEq(cv.composeRoot(depth, subs), RefTree.root(idx, val, depth));
    }

    /// @dev Places a subtree of height <= 3 after a random gap of up to 2^depth leaves; one or two leaves set.
    function _placeSparse(Layout memory l, uint256 rnd, uint256 depth) internal pure returns (bool) {
        uint256 ht = rnd % 4;
        uint256 span = uint256(1) << ht;
        uint256 gap = (rnd >> 16) & ((uint256(1) << ((rnd >> 8) % (depth + 1))) - 1);
        uint256 start = (l.cursor + gap + span - 1) & ~(span - 1);
        if (start + span > (uint256(1) << depth)) return false;
        uint256 first = l.nLeaves;
        l.idx[l.nLeaves] = start + ((rnd >> 100) % span);
        l.val[l.nLeaves] = keccak256(abi.encode(rnd, "a"));
        ++l.nLeaves;
        if (span > 1 && l.idx[first] != start) {
            l.idx[l.nLeaves] = start;
            l.val[l.nLeaves] = keccak256(abi.encode(rnd, "b"));
            ++l.nLeaves;
        }
        uint256 k = l.nLeaves - first;
        uint256[] memory sIdx = new uint256[](k);
        bytes32[] memory sVal = new bytes32[](k);
        for (uint256 q; q < k; ++q) {
            (sIdx[q], sVal[q]) = (l.idx[first + q], l.val[first + q]);
        }
        l.subs[l.nSubs] =
            Merkle.Subtree({index: start >> ht, height: ht, root: RefTree.node(sIdx, sVal, ht, start >> ht)});
        ++l.nSubs;
        l.cursor = start + span;
        return true;
    }

    /// @dev Places one random subtree after `l.cursor` (possibly leaving a gap); false when full.
    function _place(Layout memory l, uint256 rnd, uint256 depth) internal pure returns (bool) {
        uint256 ht = (rnd & 0xff) % (depth + 1);
        if (ht > 3 && (rnd >> 40) % 2 == 0) ht = 3; // mostly small subtrees
        uint256 span = uint256(1) << ht;
        uint256 start = ((l.cursor + span - 1) & ~(span - 1)) + span * ((rnd >> 8) % 3); // aligned, maybe a gap
        if (start + span > (uint256(1) << depth)) return false;
        uint256 first = l.nLeaves;
        // Up to 4 leaves filled (a tall subtree keeps most of its leaves zero).
        uint256 filled = span < 4 ? span : 4;
        for (uint256 q; q < filled; ++q) {
            l.idx[l.nLeaves] = span <= 4 ? start + q : start + ((rnd >> (16 + 8 * q)) % span);
            l.val[l.nLeaves] = keccak256(abi.encode(rnd, q));
            ++l.nLeaves;
        }
        uint256[] memory sIdx = new uint256[](filled);
        bytes32[] memory sVal = new bytes32[](filled);
        for (uint256 q; q < filled; ++q) {
            (sIdx[q], sVal[q]) = (l.idx[first + q], l.val[first + q]);
        }
        l.subs[l.nSubs] =
            Merkle.Subtree({index: start >> ht, height: ht, root: RefTree.node(sIdx, sVal, ht, start >> ht)});
        ++l.nSubs;
        l.cursor = start + span;
        return true;
    }
}
