// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {CommitmentVerifier} from "../../src/commitment/CommitmentVerifier.sol";

/// @notice Replays every vector of contracts/test/vectors/commitment.json (written by the TypeScript
///         library, commitment/tools/writeVectors.ts) through the Solidity library, via the
///         deployable `CommitmentVerifier`: both languages must agree bit for bit.
contract CommitmentVectorsTest is Test {
    string internal constant PATH = "contracts/test/vectors/commitment.json";

    CommitmentVerifier internal cv;
    string internal json;

    function setUp() public {
        cv = new CommitmentVerifier();
        json = readProjectFile(PATH);
    }

    function _key(string memory group, uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(".", group, "[", _str(i), "].", field);
    }

    function _str(uint256 i) internal pure returns (string memory) {
        return vm.toString(i);
    }

    /// @dev The number of entries of a top-level array.
    function _count(string memory group) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, string.concat(".", group, "[", _str(n), "]"))) {
            ++n;
        }
    }

    function _u(string memory group, uint256 i, string memory field) internal view returns (uint256) {
        return vm.parseJsonUint(json, _key(group, i, field));
    }

    function _w(string memory group, uint256 i, string memory field) internal view returns (bytes32) {
        return vm.parseJsonBytes32(json, _key(group, i, field));
    }

    function _ws(string memory group, uint256 i, string memory field) internal view returns (bytes32[] memory) {
        return vm.parseJsonBytes32Array(json, _key(group, i, field));
    }

    function _name(string memory group, uint256 i) internal view returns (string memory) {
        return string.concat(group, "[", _str(i), "] ", vm.parseJsonString(json, _key(group, i, "name")));
    }

    function test_vectors_fileIsTheExpectedVersion() public view {
        assertEq(vm.parseJsonUint(json, ".version"), 1);
        assertEq(vm.parseJsonString(json, ".generator"), string("commitment/tools/writeVectors.ts"));
    }

    function testVectors_zeroHashes() public view {
        bytes32[] memory z = vm.parseJsonBytes32Array(json, ".zeroHashes");
        assertEq(z.length, 65);
        for (uint256 h; h < z.length; ++h) {
            assertEq(cv.zeroHash(h), z[h], string.concat("zeroHash(", _str(h), ")"));
        }
    }

    function testVectors_leafProofs() public view {
        uint256 n = _count("leafProofs");
        assertGt(n, 20);
        for (uint256 i; i < n; ++i) {
            string memory g = "leafProofs";
            bytes32 root = _w(g, i, "root");
            bytes32[] memory proof = _ws(g, i, "proof");
            uint256 depth = _u(g, i, "depth");
            assertEq(proof.length, depth);
            assertEq(cv.rootFromLeaf(_w(g, i, "leaf"), _u(g, i, "index"), proof), root, _name(g, i));
            assertTrue(cv.verifyLeaf(root, _w(g, i, "leaf"), _u(g, i, "index"), proof, depth));
        }
    }

    function testVectors_subtreeProofs() public view {
        uint256 n = _count("subtreeProofs");
        assertGt(n, 10);
        for (uint256 i; i < n; ++i) {
            _subtreeProof(i);
        }
    }

    function _subtreeProof(uint256 i) internal view {
        string memory g = "subtreeProofs";
        bytes32 root = _w(g, i, "root");
        bytes32 sub = _w(g, i, "subRoot");
        bytes32[] memory proof = _ws(g, i, "proof");
        assertEq(cv.rootFromSubtree(sub, _u(g, i, "index"), _u(g, i, "height"), proof), root, _name(g, i));
        assertTrue(cv.verifySubtree(root, sub, _u(g, i, "index"), _u(g, i, "height"), proof, _u(g, i, "depth")));
    }

    function testVectors_leafWrites() public view {
        uint256 n = _count("leafWrites");
        assertGt(n, 10);
        for (uint256 i; i < n; ++i) {
            _leafWrite(i);
        }
    }

    function _leafWrite(uint256 i) internal view {
        string memory g = "leafWrites";
        bytes32[] memory proof = _ws(g, i, "proof");
        uint256 depth = _u(g, i, "depth");
        uint256 index = _u(g, i, "index");
        bytes32 newRoot =
            cv.updateLeaf(_w(g, i, "oldRoot"), _w(g, i, "oldLeaf"), _w(g, i, "newLeaf"), index, proof, depth);
        assertEq(newRoot, _w(g, i, "newRoot"), _name(g, i));
        assertTrue(cv.verifyLeaf(newRoot, _w(g, i, "newLeaf"), index, proof, depth));
        if (depth == cv.SLOT_DEPTH()) {
            assertEq(cv.writeSlot(_w(g, i, "oldRoot"), index, _w(g, i, "oldLeaf"), _w(g, i, "newLeaf"), proof), newRoot);
        }
    }

    function testVectors_tensors() public view {
        uint256 n = _count("tensors");
        assertGt(n, 15);
        for (uint256 i; i < n; ++i) {
            string memory g = "tensors";
            bytes memory data = vm.parseJsonBytes(json, _key(g, i, "data"));
            assertEq(data.length, _u(g, i, "byteLength"), _name(g, i));
            assertEq(cv.tensorDepth(data.length), _u(g, i, "depth"), _name(g, i));
            bytes32 root = cv.tensorRoot(data);
            assertEq(root, _w(g, i, "root"), _name(g, i));
            assertEq(cv.slotLeaf(root, data.length), _w(g, i, "slotLeaf"), _name(g, i));
            assertEq(cv.tensorSlotLeaf(data), _w(g, i, "slotLeaf"), _name(g, i));
        }
    }

    function testVectors_slotLeaves() public view {
        uint256 n = _count("slotLeaves");
        assertGt(n, 3);
        for (uint256 i; i < n; ++i) {
            string memory g = "slotLeaves";
            assertEq(cv.slotLeaf(_w(g, i, "root"), _u(g, i, "byteLength")), _w(g, i, "leaf"));
        }
    }

    function testVectors_composed() public view {
        uint256 n = _count("composed");
        assertGt(n, 3);
        for (uint256 i; i < n; ++i) {
            string memory g = "composed";
            uint256[] memory indices = vm.parseJsonUintArray(json, _key(g, i, "indices"));
            uint256[] memory heights = vm.parseJsonUintArray(json, _key(g, i, "heights"));
            bytes32[] memory roots = _ws(g, i, "roots");
            Merkle.Subtree[] memory s = new Merkle.Subtree[](indices.length);
            for (uint256 j; j < s.length; ++j) {
                s[j] = Merkle.Subtree({index: indices[j], height: heights[j], root: roots[j]});
            }
            assertEq(cv.composeRoot(_u(g, i, "depth"), s), _w(g, i, "root"), _name(g, i));
        }
    }

    /// @notice Every proof the TypeScript verifier refuses, the Solidity verifier refuses with the
    ///         revert data (error and values) the vector names.
    function testVectors_rejections() public {
        uint256 n = _count("rejections");
        assertGt(n, 5);
        for (uint256 i; i < n; ++i) {
            _rejection(i);
        }
    }

    function _rejection(uint256 i) internal {
        string memory g = "rejections";
        bytes32[] memory proof = _ws(g, i, "proof");
        uint256 height = _u(g, i, "height");
        bytes32 root = _w(g, i, "root");
        bytes32 node = _w(g, i, "node");
        uint256 index = _u(g, i, "index");
        uint256 depth = _u(g, i, "depth");
        vm.expectRevert(vm.parseJsonBytes(json, _key(g, i, "revertData")));
        if (height == 0) {
            cv.verifyLeaf(root, node, index, proof, depth);
        } else {
            cv.verifySubtree(root, node, index, height, proof, depth);
        }
    }
}
