// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {CommitmentVerifier} from "../../src/commitment/CommitmentVerifier.sol";

/// @notice Replays every vector of contracts/test/vectors/commitment.json (written by the TypeScript
///         library, commitment/tools/writeVectors.ts) through the Solidity library, via the
///         deployable `CommitmentVerifier`: both languages must agree bit for bit.
/// @dev Each group is decoded in one `vm.parseJsonTypeArray` call with an explicit type description;
///      struct fields are in alphabetical order, as forge's JSON-to-ABI mapping expects.
contract CommitmentVectorsTest is Test {
    string internal constant PATH = "contracts/test/vectors/commitment.json";

    struct LeafProof {
        uint256 depth;
        uint256 index;
        bytes32 leaf;
        string name;
        bytes32[] proof;
        bytes32 root;
    }

    struct SubtreeProof {
        uint256 depth;
        uint256 height;
        uint256 index;
        string name;
        bytes32[] proof;
        bytes32 root;
        bytes32 subRoot;
    }

    struct LeafWrite {
        uint256 depth;
        uint256 index;
        string name;
        bytes32 newLeaf;
        bytes32 newRoot;
        bytes32 oldLeaf;
        bytes32 oldRoot;
        bytes32[] proof;
    }

    struct SubtreeWrite {
        uint256 depth;
        uint256 height;
        uint256 index;
        string name;
        bytes32 newRoot;
        bytes32 newSubRoot;
        bytes32 oldRoot;
        bytes32 oldSubRoot;
        bytes32[] proof;
    }

    struct Tensor {
        uint256 byteLength;
        bytes data;
        uint256 depth;
        string name;
        bytes32 root;
        bytes32 slotLeaf;
    }

    struct SlotLeafVector {
        uint256 byteLength;
        bytes32 leaf;
        bytes32 root;
    }

    struct Composed {
        uint256 depth;
        uint256[] heights;
        uint256[] indices;
        string name;
        bytes32 root;
        bytes32[] roots;
    }

    struct Rejection {
        uint256 depth;
        uint256 height;
        uint256 index;
        string name;
        bytes32 node;
        bytes32[] proof;
        bytes revertData;
        bytes32 root;
    }

    CommitmentVerifier internal cv;
    string internal json;

    function setUp() public {
        cv = new CommitmentVerifier();
        json = readProjectFile(PATH);
    }

    function _group(string memory key, string memory typeDescription) internal view returns (bytes memory) {
        return vm.parseJsonTypeArray(json, key, typeDescription);
    }

    function test_vectors_fileIsTheExpectedVersion() public view {
        assertEq(vm.parseJsonUint(json, ".version"), 1);
        assertEq(vm.parseJsonString(json, ".generator"), string("commitment/tools/writeVectors.ts"));
    }

    function testVectors_zeroHashes() public view {
        bytes32[] memory z = vm.parseJsonBytes32Array(json, ".zeroHashes");
        assertEq(z.length, 65);
        for (uint256 h; h < z.length; ++h) {
            assertEq(cv.zeroHash(h), z[h], string.concat("zeroHash(", vm.toString(h), ")"));
        }
    }

    function testVectors_leafProofs() public view {
        LeafProof[] memory v = abi.decode(
            _group(
                ".leafProofs",
                "LeafProof(uint256 depth,uint256 index,bytes32 leaf,string name,bytes32[] proof,bytes32 root)"
            ),
            (LeafProof[])
        );
        assertGt(v.length, 20);
        for (uint256 i; i < v.length; ++i) {
            LeafProof memory c = v[i];
            assertEq(c.proof.length, c.depth, c.name);
            assertEq(cv.rootFromLeaf(c.leaf, c.index, c.proof), c.root, c.name);
            assertTrue(cv.verifyLeaf(c.root, c.leaf, c.index, c.proof, c.depth), c.name);
        }
    }

    function testVectors_subtreeProofs() public view {
        SubtreeProof[] memory v = abi.decode(
            _group(
                ".subtreeProofs",
                "SubtreeProof(uint256 depth,uint256 height,uint256 index,string name,bytes32[] proof,bytes32 root,bytes32 subRoot)"
            ),
            (SubtreeProof[])
        );
        assertGt(v.length, 10);
        for (uint256 i; i < v.length; ++i) {
            SubtreeProof memory c = v[i];
            assertEq(cv.rootFromSubtree(c.subRoot, c.index, c.height, c.proof), c.root, c.name);
            assertTrue(cv.verifySubtree(c.root, c.subRoot, c.index, c.height, c.proof, c.depth), c.name);
        }
    }

    function testVectors_leafWrites() public view {
        LeafWrite[] memory v = abi.decode(
            _group(
                ".leafWrites",
                "LeafWrite(uint256 depth,uint256 index,string name,bytes32 newLeaf,bytes32 newRoot,bytes32 oldLeaf,bytes32 oldRoot,bytes32[] proof)"
            ),
            (LeafWrite[])
        );
        assertGt(v.length, 10);
        for (uint256 i; i < v.length; ++i) {
            LeafWrite memory c = v[i];
            bytes32 newRoot = cv.updateLeaf(c.oldRoot, c.oldLeaf, c.newLeaf, c.index, c.proof, c.depth);
            assertEq(newRoot, c.newRoot, c.name);
            assertTrue(cv.verifyLeaf(newRoot, c.newLeaf, c.index, c.proof, c.depth), c.name);
            if (c.depth == cv.SLOT_DEPTH()) {
                assertEq(cv.writeSlot(c.oldRoot, c.index, c.oldLeaf, c.newLeaf, c.proof), newRoot, c.name);
            }
        }
    }

    function testVectors_subtreeWrites() public view {
        SubtreeWrite[] memory v = abi.decode(
            _group(
                ".subtreeWrites",
                "SubtreeWrite(uint256 depth,uint256 height,uint256 index,string name,bytes32 newRoot,bytes32 newSubRoot,bytes32 oldRoot,bytes32 oldSubRoot,bytes32[] proof)"
            ),
            (SubtreeWrite[])
        );
        assertGt(v.length, 4);
        for (uint256 i; i < v.length; ++i) {
            SubtreeWrite memory c = v[i];
            bytes32 newRoot =
                cv.updateSubtree(c.oldRoot, c.oldSubRoot, c.newSubRoot, c.index, c.height, c.proof, c.depth);
            assertEq(newRoot, c.newRoot, c.name);
            assertTrue(cv.verifySubtree(c.newRoot, c.newSubRoot, c.index, c.height, c.proof, c.depth), c.name);
        }
    }

    function testVectors_tensors() public view {
        Tensor[] memory v = abi.decode(
            _group(
                ".tensors",
                "Tensor(uint256 byteLength,bytes data,uint256 depth,string name,bytes32 root,bytes32 slotLeaf)"
            ),
            (Tensor[])
        );
        assertGt(v.length, 15);
        for (uint256 i; i < v.length; ++i) {
            Tensor memory c = v[i];
            assertEq(c.data.length, c.byteLength, c.name);
            assertEq(cv.tensorDepth(c.byteLength), c.depth, c.name);
            assertEq(cv.tensorRoot(c.data), c.root, c.name);
            assertEq(cv.slotLeaf(c.root, c.byteLength), c.slotLeaf, c.name);
            assertEq(cv.tensorSlotLeaf(c.data), c.slotLeaf, c.name);
        }
    }

    function testVectors_slotLeaves() public view {
        SlotLeafVector[] memory v = abi.decode(
            _group(".slotLeaves", "SlotLeafVector(uint256 byteLength,bytes32 leaf,bytes32 root)"), (SlotLeafVector[])
        );
        assertGt(v.length, 3);
        for (uint256 i; i < v.length; ++i) {
            assertEq(cv.slotLeaf(v[i].root, v[i].byteLength), v[i].leaf);
        }
    }

    function testVectors_composed() public view {
        Composed[] memory v = abi.decode(
            _group(
                ".composed",
                "Composed(uint256 depth,uint256[] heights,uint256[] indices,string name,bytes32 root,bytes32[] roots)"
            ),
            (Composed[])
        );
        assertGt(v.length, 3);
        for (uint256 i; i < v.length; ++i) {
            Composed memory c = v[i];
            Merkle.Subtree[] memory s = new Merkle.Subtree[](c.indices.length);
            for (uint256 j; j < s.length; ++j) {
                s[j] = Merkle.Subtree({index: c.indices[j], height: c.heights[j], root: c.roots[j]});
            }
            assertEq(cv.composeRoot(c.depth, s), c.root, c.name);
        }
    }

    /// @notice Every proof the TypeScript verifier refuses, the Solidity verifier refuses with the
    ///         revert data (error and values) the vector names.
    function testVectors_rejections() public {
        Rejection[] memory v = abi.decode(
            _group(
                ".rejections",
                "Rejection(uint256 depth,uint256 height,uint256 index,string name,bytes32 node,bytes32[] proof,bytes revertData,bytes32 root)"
            ),
            (Rejection[])
        );
        assertGt(v.length, 5);
        for (uint256 i; i < v.length; ++i) {
            Rejection memory c = v[i];
            vm.expectRevert(c.revertData);
            if (c.height == 0) {
                cv.verifyLeaf(c.root, c.node, c.index, c.proof, c.depth);
            } else {
                cv.verifySubtree(c.root, c.node, c.index, c.height, c.proof, c.depth);
            }
        }
    }
}
