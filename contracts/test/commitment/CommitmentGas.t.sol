// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {TensorRoot} from "../../src/commitment/TensorRoot.sol";
import {RefTree} from "./RefTree.sol";

/// @notice Measures the gas of the library functions themselves (internal calls, calldata proofs),
///         without the call and ABI-decoding overhead an external call adds.
contract GasProbe {
    function verifyLeaf(bytes32 root, bytes32 leaf, uint256 index, bytes32[] calldata proof, uint256 depth)
        external
        view
        returns (uint256 used)
    {
        used = gasleft();
        Merkle.verifyLeaf(root, leaf, index, proof, depth);
        used -= gasleft();
    }

    function verifyLeafMemory(bytes32 root, bytes32 leaf, uint256 index, bytes32[] memory proof, uint256 depth)
        external
        view
        returns (uint256 used)
    {
        used = gasleft();
        Merkle.verifyLeafMemory(root, leaf, index, proof, depth);
        used -= gasleft();
    }

    function updateLeaf(bytes32 root, bytes32 oldLeaf, bytes32 newLeaf, uint256 index, bytes32[] calldata proof)
        external
        view
        returns (uint256 used, bytes32 newRoot)
    {
        used = gasleft();
        newRoot = Merkle.updateLeaf(root, oldLeaf, newLeaf, index, proof, proof.length);
        used -= gasleft();
    }

    function verifySubtree(
        bytes32 root,
        bytes32 subRoot,
        uint256 index,
        uint256 height,
        bytes32[] calldata proof,
        uint256 depth
    ) external view returns (uint256 used) {
        used = gasleft();
        Merkle.verifySubtree(root, subRoot, index, height, proof, depth);
        used -= gasleft();
    }

    function zeroHash(uint256 h) external view returns (uint256 used) {
        used = gasleft();
        Merkle.zeroHash(h);
        used -= gasleft();
    }

    function composeRoot(uint256 depth, Merkle.Subtree[] memory subtrees)
        external
        view
        returns (uint256 used, bytes32 root)
    {
        used = gasleft();
        root = Merkle.composeRoot(depth, subtrees);
        used -= gasleft();
    }

    function tensorRoot(bytes memory data) external view returns (uint256 used, bytes32 root) {
        used = gasleft();
        root = TensorRoot.tensorRoot(data);
        used -= gasleft();
    }

    function slotLeaf(bytes32 root, uint256 n) external view returns (uint256 used) {
        used = gasleft();
        TensorRoot.slotLeaf(root, n);
        used -= gasleft();
    }
}

/// @notice Gas budgets of the commitment library. Each test logs the measured figure (`forge test -vv`)
///         and fails if it exceeds its budget, so a regression shows up as a failing test.
contract CommitmentGasTest is Test {
    GasProbe internal probe;

    function setUp() public {
        probe = new GasProbe();
    }

    function _proof(uint256 depth, uint256 index)
        internal
        pure
        returns (bytes32 root, bytes32 leaf, bytes32[] memory p)
    {
        uint256[] memory idx = new uint256[](3);
        bytes32[] memory val = new bytes32[](3);
        (idx[0], val[0]) = (index, keccak256("leaf"));
        (idx[1], val[1]) = (index ^ 1, keccak256("sibling"));
        (idx[2], val[2]) = (index ^ (uint256(1) << (depth - 1)), keccak256("far"));
        root = RefTree.root(idx, val, depth);
        leaf = val[0];
        p = RefTree.proof(idx, val, depth, index);
    }

    function _report(string memory what, uint256 used, uint256 budget) internal {
        emit log_named_uint(what, used);
        assertLe(used, budget, string.concat(what, " over budget"));
    }

    function test_gas_verifyLeaf_depth20() public {
        (bytes32 root, bytes32 leaf, bytes32[] memory p) = _proof(20, 0xabcde);
        _report("verifyLeaf, depth 20", probe.verifyLeaf(root, leaf, 0xabcde, p, 20), 2800);
    }

    function test_gas_verifyLeafMemory_depth20() public {
        (bytes32 root, bytes32 leaf, bytes32[] memory p) = _proof(20, 0xabcde);
        _report("verifyLeafMemory, depth 20", probe.verifyLeafMemory(root, leaf, 0xabcde, p, 20), 2800);
    }

    function test_gas_verifyLeaf_depth27() public {
        (bytes32 root, bytes32 leaf, bytes32[] memory p) = _proof(27, 0x5abcdef);
        _report("verifyLeaf, depth 27", probe.verifyLeaf(root, leaf, 0x5abcdef, p, 27), 3800);
    }

    function test_gas_updateLeaf_depth20() public {
        (bytes32 root, bytes32 leaf, bytes32[] memory p) = _proof(20, 0x12345);
        (uint256 used,) = probe.updateLeaf(root, leaf, keccak256("new"), 0x12345, p);
        _report("updateLeaf, depth 20", used, 4600);
    }

    function test_gas_verifySubtree_depth27_height8() public {
        uint256[] memory idx = new uint256[](2);
        bytes32[] memory val = new bytes32[](2);
        (idx[0], val[0]) = (7 << 8, keccak256("a"));
        (idx[1], val[1]) = (3, keccak256("b"));
        bytes32 root = RefTree.root(idx, val, 27);
        bytes32 sub = RefTree.node(idx, val, 8, 7);
        bytes32[] memory p = RefTree.subtreeProof(idx, val, 27, 7, 8);
        _report("verifySubtree, depth 27, height 8", probe.verifySubtree(root, sub, 7, 8, p, 27), 3000);
    }

    function test_gas_zeroHash_anyHeight() public {
        uint256 worst;
        for (uint256 h; h <= 64; ++h) {
            uint256 used = probe.zeroHash(h);
            if (used > worst) worst = used;
        }
        _report("zeroHash, worst height", worst, 400);
    }

    /// @notice A phase-2 initial memory: a descriptor word and four operand tensors in a depth-27 memory.
    function test_gas_composeRoot_depth27_fiveSubtrees() public {
        Merkle.Subtree[] memory s = new Merkle.Subtree[](5);
        s[0] = Merkle.Subtree({index: 0, height: 0, root: keccak256("descriptor")});
        s[1] = Merkle.Subtree({index: 4, height: 5, root: keccak256("t1")});
        s[2] = Merkle.Subtree({index: 1 << 14, height: 1, root: keccak256("t2")});
        s[3] = Merkle.Subtree({index: 1 << 11, height: 8, root: keccak256("t3")});
        s[4] = Merkle.Subtree({index: 1, height: 20, root: keccak256("t4")});
        (uint256 used,) = probe.composeRoot(27, s);
        _report("composeRoot, depth 27, 5 subtrees", used, 23000);
    }

    function test_gas_tensorRoot_1000Bytes() public {
        (uint256 used,) = probe.tensorRoot(new bytes(1000));
        _report("tensorRoot, 1000 bytes", used, 5000);
    }

    function test_gas_tensorRoot_4096Bytes() public {
        (uint256 used,) = probe.tensorRoot(new bytes(4096));
        _report("tensorRoot, 4096 bytes", used, 14000);
    }

    function test_gas_slotLeaf() public {
        _report("slotLeaf", probe.slotLeaf(keccak256("r"), 1000), 170);
    }
}
