// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {TensorRoot} from "../../src/commitment/TensorRoot.sol";
import {CommitmentVerifier} from "../../src/commitment/CommitmentVerifier.sol";
import {RefTree} from "./RefTree.sol";

/// @notice Exposes the memory-taking `TensorRoot` functions and the slot helpers to external calls.
contract TensorRootHarness {
    function tensorRoot(bytes memory data) external pure returns (bytes32) {
        return TensorRoot.tensorRoot(data);
    }

    /// @dev The root of the first `n` bytes of `data`, with the rest of `data` still in memory right
    ///      after them (the library must mask it).
    function tensorRootOfPrefix(bytes memory data, uint256 n) external pure returns (bytes32 root) {
        assembly ("memory-safe") {
            mstore(data, n)
        }
        root = TensorRoot.tensorRoot(data);
    }

    /// @dev keccak of `data` before and after taking its root: the library must not write into it.
    function rootKeepsData(bytes memory data) external pure returns (bytes32 before, bytes32 afterwards, bytes32 root) {
        before = keccak256(data);
        root = TensorRoot.tensorRoot(data);
        afterwards = keccak256(data);
    }

    function verifySlot(bytes32 slotRoot, uint256 slot, bytes32 leaf, bytes32[] calldata proof)
        external
        pure
        returns (bool)
    {
        TensorRoot.verifySlot(slotRoot, slot, leaf, proof);
        return true;
    }
}

contract TensorRootTest is Test {
    CommitmentVerifier internal cv;
    TensorRootHarness internal th;

    function setUp() public {
        cv = new CommitmentVerifier();
        th = new TensorRootHarness();
    }

    /// @dev ASCII "opml.slot.v1", left-aligned, zero-padded: written out, not cast, so the test does not
    ///      share the library's constant.
    bytes32 internal constant SLOT_TAG = 0x6f706d6c2e736c6f742e76310000000000000000000000000000000000000000;

    /// @dev Word `i` of `b` as it lies in memory (bytes past the end included).
    function _word(bytes memory b, uint256 i) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 0x20), shl(5, i)))
        }
    }

    function _bytes(uint256 n, uint256 seed) internal pure returns (bytes memory b) {
        b = new bytes(n);
        for (uint256 i; i < n; ++i) {
            b[i] = bytes1(uint8(uint256(keccak256(abi.encode(seed, i / 32))) >> (8 * (i % 32))));
        }
    }

    // ------------------------------------------------------------------ depth

    function test_tensorDepth_table() public view {
        uint256[14] memory n = [uint256(0), 1, 31, 32, 33, 64, 65, 96, 128, 129, 1000, 1024, 1025, 1 << 32];
        uint256[14] memory d = [uint256(0), 0, 0, 0, 1, 1, 2, 2, 2, 3, 5, 5, 6, 27];
        for (uint256 i; i < n.length; ++i) {
            assertEq(cv.tensorDepth(n[i]), d[i], string.concat("tensorDepth(", vm.toString(n[i]), ")"));
        }
    }

    function testFuzz_tensorDepth_isSmallestPowerOfTwoCoveringTheLeaves(uint256 n) public pure {
        n = bound(n, 0, type(uint128).max);
        uint256 leaves = n == 0 ? 1 : (n + 31) / 32;
        uint256 d = TensorRoot.tensorDepth(n);
        assertGe(uint256(1) << d, leaves);
        if (d > 0) assertLt(uint256(1) << (d - 1), leaves);
    }

    function test_tensorDepth_hugeLength_noOverflow() public pure {
        assertEq(TensorRoot.tensorDepth(type(uint256).max), 251);
    }

    // ------------------------------------------------------------------ roots

    function test_tensorRoot_empty_isZero() public view {
        assertEq(cv.tensorRoot(""), bytes32(0));
    }

    function test_tensorRoot_oneByte_isLeftAlignedLeaf() public view {
        assertEq(cv.tensorRoot(hex"ab"), bytes32(uint256(0xab) << 248));
    }

    function test_tensorRoot_31And32Bytes_areTheSingleLeaf() public view {
        bytes memory b = _bytes(32, 1);
        assertEq(cv.tensorRoot(b), _word(b, 0));
        bytes memory b31 = _bytes(31, 1);
        assertEq(cv.tensorRoot(b31), _word(b31, 0) & ~bytes32(uint256(0xff)));
        assertEq(_word(b, 0) & ~bytes32(uint256(0xff)), _word(b31, 0) & ~bytes32(uint256(0xff)));
    }

    function test_tensorRoot_33Bytes_hashesTwoLeaves() public view {
        bytes memory b = _bytes(33, 2);
        bytes32 second = bytes32(uint256(uint8(b[32])) << 248);
        assertEq(cv.tensorRoot(b), keccak256(abi.encodePacked(_word(b, 0), second)));
    }

    function test_tensorRoot_threeLeaves_padsWithZeroLeaf() public view {
        bytes memory b = _bytes(96, 3);
        bytes32 w0;
        bytes32 w1;
        bytes32 w2;
        assembly ("memory-safe") {
            w0 := mload(add(b, 0x20))
            w1 := mload(add(b, 0x40))
            w2 := mload(add(b, 0x60))
        }
        bytes32 expected = keccak256(
            abi.encodePacked(keccak256(abi.encodePacked(w0, w1)), keccak256(abi.encodePacked(w2, bytes32(0))))
        );
        assertEq(cv.tensorRoot(b), expected);
    }

    function test_tensorRoot_variousLengths_matchReference() public view {
        uint256[16] memory n = [uint256(1), 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 160, 255, 1000, 1024, 1025];
        for (uint256 i; i < n.length; ++i) {
            bytes memory b = _bytes(n[i], i);
            assertEq(cv.tensorRoot(b), RefTree.tensorRoot(b), string.concat("n=", vm.toString(n[i])));
            assertEq(th.tensorRoot(b), RefTree.tensorRoot(b));
        }
    }

    function test_tensorRoot_dirtyMemoryAfterData_isIgnored() public view {
        uint256[6] memory n = [uint256(1), 31, 33, 63, 65, 97];
        for (uint256 i; i < n.length; ++i) {
            bytes memory full = new bytes(n[i] + 64);
            for (uint256 j; j < full.length; ++j) {
                full[j] = 0xff;
            }
            bytes32 root = th.tensorRootOfPrefix(full, n[i]);
            bytes memory clean = new bytes(n[i]);
            for (uint256 j; j < n[i]; ++j) {
                clean[j] = 0xff;
            }
            assertEq(root, RefTree.tensorRoot(clean), string.concat("n=", vm.toString(n[i])));
        }
    }

    function test_tensorRoot_leavesDataUntouched() public view {
        (bytes32 before, bytes32 afterwards, bytes32 root) = th.rootKeepsData(_bytes(1000, 9));
        assertEq(before, afterwards);
        assertEq(root, RefTree.tensorRoot(_bytes(1000, 9)));
    }

    /// @notice The tensor root is the subtree root of the same bytes aligned in a zeroed memory
    ///         (docs/protocol.md §2.1): composing it at an aligned index gives the memory's root.
    function test_tensorRoot_equalsAlignedSubtreeInZeroMemory() public view {
        bytes memory b = _bytes(200, 4); // 7 leaves, depth 3
        uint256 d = cv.tensorDepth(b.length);
        uint256[] memory idx = new uint256[](7);
        bytes32[] memory val = new bytes32[](7);
        uint256 base = 5 * 2 ** d; // subtree index 5 at height 3 in a depth-10 memory
        for (uint256 i; i < 7; ++i) {
            bytes32 w;
            assembly ("memory-safe") {
                w := mload(add(add(b, 0x20), shl(5, i)))
            }
            if (i == 6) w &= bytes32(type(uint256).max << (8 * (32 - (200 - 192))));
            (idx[i], val[i]) = (base + i, w);
        }
        Merkle.Subtree[] memory s = new Merkle.Subtree[](1);
        s[0] = Merkle.Subtree({index: 5, height: d, root: cv.tensorRoot(b)});
        assertEq(cv.composeRoot(10, s), RefTree.root(idx, val, 10));
    }

    function testFuzz_tensorRoot_agreesWithReference(bytes memory data) public view {
        vm.assume(data.length <= 3000);
        assertEq(cv.tensorRoot(data), RefTree.tensorRoot(data));
    }

    function testFuzz_tensorRoot_randomLength_agreesWithReference(uint256 n, uint256 seed) public view {
        n = bound(n, 0, 2500);
        bytes memory b = _bytes(n, seed);
        assertEq(th.tensorRoot(b), RefTree.tensorRoot(b));
    }

    // ------------------------------------------------------------------ slot leaves

    function test_slotLeaf_matchesDefinition() public view {
        bytes32 root = keccak256("root");
        assertEq(cv.slotLeaf(root, 1000), keccak256(abi.encodePacked(SLOT_TAG, root, uint256(1000))));
    }

    function test_slotLeaf_domainTag_isAsciiLeftAligned() public pure {
        assertEq(TensorRoot.SLOT_DOMAIN, SLOT_TAG);
    }

    function test_slotLeaf_bindsLength() public view {
        // 32 zero bytes and the empty tensor share root 0; their slot leaves differ.
        assertEq(cv.tensorRoot(new bytes(32)), cv.tensorRoot(""));
        assertNotEq(cv.tensorSlotLeaf(new bytes(32)), cv.tensorSlotLeaf(""));
    }

    function testFuzz_tensorSlotLeaf_isSlotLeafOfRoot(bytes memory data) public view {
        vm.assume(data.length <= 2000);
        assertEq(cv.tensorSlotLeaf(data), cv.slotLeaf(RefTree.tensorRoot(data), data.length));
    }

    // ------------------------------------------------------------------ slot tree

    uint256 internal constant SLOT_DEPTH = 24;

    function test_writeSlot_thenVerifySlot_twoSlots() public view {
        uint256[] memory idx = new uint256[](0);
        bytes32[] memory val = new bytes32[](0);
        bytes32 root = RefTree.root(idx, val, SLOT_DEPTH);
        assertEq(root, cv.zeroHash(SLOT_DEPTH));

        bytes32 leafA = cv.tensorSlotLeaf(_bytes(100, 1));
        bytes32 rootA = cv.writeSlot(root, 3, bytes32(0), leafA, RefTree.proof(idx, val, SLOT_DEPTH, 3));
        (idx, val) = _single(3, leafA);
        assertEq(rootA, RefTree.root(idx, val, SLOT_DEPTH));

        bytes32 leafB = cv.tensorSlotLeaf(_bytes(5, 2));
        bytes32 rootB = cv.writeSlot(rootA, 1000, bytes32(0), leafB, RefTree.proof(idx, val, SLOT_DEPTH, 1000));
        uint256[] memory idx2 = new uint256[](2);
        bytes32[] memory val2 = new bytes32[](2);
        (idx2[0], val2[0], idx2[1], val2[1]) = (3, leafA, 1000, leafB);
        assertEq(rootB, RefTree.root(idx2, val2, SLOT_DEPTH));
        assertTrue(th.verifySlot(rootB, 3, leafA, RefTree.proof(idx2, val2, SLOT_DEPTH, 3)));
        assertTrue(th.verifySlot(rootB, 1000, leafB, RefTree.proof(idx2, val2, SLOT_DEPTH, 1000)));
    }

    function _single(uint256 i, bytes32 v) internal pure returns (uint256[] memory idx, bytes32[] memory val) {
        idx = new uint256[](1);
        val = new bytes32[](1);
        (idx[0], val[0]) = (i, v);
    }

    function test_writeSlot_wrongOldLeaf_reverts() public {
        bytes32[] memory p = new bytes32[](SLOT_DEPTH);
        for (uint256 l; l < SLOT_DEPTH; ++l) {
            p[l] = RefTree.zero(l);
        }
        bytes32 root = cv.zeroHash(SLOT_DEPTH);
        bytes32 claimedOld = bytes32(uint256(1));
        bytes32 computed = cv.rootFromLeaf(claimedOld, 7, p);
        vm.expectRevert(abi.encodeWithSelector(Merkle.RootMismatch.selector, root, computed));
        cv.writeSlot(root, 7, claimedOld, bytes32(uint256(2)), p);
    }

    function test_writeSlot_wrongProofLength_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.ProofLengthMismatch.selector, 24, 20));
        cv.writeSlot(bytes32(0), 0, bytes32(0), bytes32(0), new bytes32[](20));
    }

    function test_verifySlot_slotOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Merkle.IndexOutOfRange.selector, 1 << 24, 24));
        th.verifySlot(bytes32(0), 1 << 24, bytes32(0), new bytes32[](24));
    }

    function test_slotDepth_is24() public view {
        assertEq(cv.SLOT_DEPTH(), SLOT_DEPTH);
        assertEq(cv.MAX_DEPTH(), 64);
    }
}
