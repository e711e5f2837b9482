// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {PhaseBoundary} from "../../src/phase/PhaseBoundary.sol";
import {ModelCommitment} from "../../src/interfaces/ModelCommitment.sol";
import {Merkle} from "../../src/commitment/Merkle.sol";
import {TensorRoot} from "../../src/commitment/TensorRoot.sol";
import {PhaseVectors} from "./PhaseVectors.sol";

/// @notice PhaseBoundary against the TS VM's cases (PhaseVectors, every node of tiny-mlp): the
///         honest initial state hash and exit, and every revert of both functions.
contract PhaseBoundaryTest is Test {
    PhaseBoundary internal pb;

    function setUp() public {
        pb = new PhaseBoundary();
    }

    function _phase(PhaseVectors.Case memory c) internal pure returns (PhaseBoundary.PhaseProof memory) {
        return abi.decode(c.phaseProof, (PhaseBoundary.PhaseProof));
    }

    function _exit(PhaseVectors.Case memory c) internal pure returns (PhaseBoundary.ExitProof memory) {
        return abi.decode(c.exitProof, (PhaseBoundary.ExitProof));
    }

    /// @dev The graph root that commits `desc` as leaf `node` with the same siblings (a model
    ///      registered with a malformed descriptor).
    function _graphWith(bytes memory desc, uint256 node, bytes32[] memory proof) internal pure returns (bytes32) {
        return Merkle.rootFromLeafMemory(TensorRoot.slotLeaf(TensorRoot.tensorRoot(desc), desc.length), node, proof);
    }

    function _setU32(bytes memory b, uint256 off, uint256 v) internal pure {
        for (uint256 k = 0; k < 4; k++) {
            b[off + k] = bytes1(uint8(v >> (8 * k)));
        }
    }

    // ------------------------------------------------------------------ honest cases

    function test_initialStateHash_equalsTheTsVmsForEveryNodeOfTinyMlp() public view {
        for (uint256 i = 0; i < PhaseVectors.COUNT; i++) {
            PhaseVectors.Case memory c = PhaseVectors.get(i);
            assertEq(pb.initialStateHash(c.m, c.node, c.sI, c.phaseProof), c.initialHash);
        }
    }

    function test_checkExit_acceptsTheHonestHaltedStateForEveryNodeOfTinyMlpAndTinyCache() public view {
        for (uint256 i = 0; i < PhaseVectors.COUNT; i++) {
            PhaseVectors.Case memory c = PhaseVectors.get(i);
            pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, c.exitProof);
        }
    }

    function test_initialStateHash_isRunningAndTheFinalIsHalted() public pure {
        PhaseVectors.Case memory c = PhaseVectors.get(0);
        assertEq(uint256(c.initialHash) >> 248, 0);
        assertEq(uint256(c.finalHash) >> 248, 1);
    }

    /// @notice Gas of both calls (measured with 24-sibling slot proofs: 105,992 for the 5-operand
    ///         matmul, 57,000 for the 1-operand relu, 28,226 for checkExit) for a 5-operand matmul node and the relu node (external
    ///         call from this contract: ABI decoding included, the 21000 and calldata of a tx not).
    function test_gas_initialStateHashAndCheckExitStayUnderBudget() public view {
        PhaseVectors.Case memory c = PhaseVectors.get(0);
        uint256 g = gasleft();
        pb.initialStateHash(c.m, c.node, c.sI, c.phaseProof);
        uint256 initial5 = g - gasleft();
        g = gasleft();
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, c.exitProof);
        uint256 exit5 = g - gasleft();
        c = PhaseVectors.get(1);
        g = gasleft();
        pb.initialStateHash(c.m, c.node, c.sI, c.phaseProof);
        uint256 initial1 = g - gasleft();
        assertLt(initial5, 120_000, "initialStateHash, 5 operands");
        assertLt(initial1, 70_000, "initialStateHash, 1 operand");
        assertLt(exit5, 35_000, "checkExit");
    }

    // ------------------------------------------------------------------ initialStateHash reverts

    function test_initialStateHash_revertsNodeOutOfRange() public {
        PhaseVectors.Case memory c = PhaseVectors.get(0);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.NodeOutOfRange.selector, 3, 3));
        pb.initialStateHash(c.m, 3, c.sI, c.phaseProof);
    }

    function test_initialStateHash_revertsOnAChangedDescriptorByte() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        p.descriptor[144] ^= 0x01;
        bytes32 computed = _graphWith(p.descriptor, c.node, p.descriptorProof);
        vm.expectRevert(
            abi.encodeWithSelector(PhaseBoundary.DescriptorNotInGraph.selector, c.node, c.m.graphRoot, computed)
        );
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAnotherNodesDescriptor() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        p.descriptor = _phase(PhaseVectors.get(0)).descriptor;
        vm.expectPartialRevert(PhaseBoundary.DescriptorNotInGraph.selector);
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAShortDescriptor() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        p.descriptor = new bytes(255);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.DescriptorLength.selector, 256, 255));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAShortDescriptorProof() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        bytes32[] memory shortProof = p.descriptorProof;
        uint256 short = TensorRoot.SLOT_DEPTH - 1;
        assembly ("memory-safe") {
            mstore(shortProof, short)
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                PhaseBoundary.ProofLength.selector, 0, TensorRoot.SLOT_DEPTH, TensorRoot.SLOT_DEPTH - 1
            )
        );
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAWrongWeightOperand() public {
        PhaseVectors.Case memory c = PhaseVectors.get(0);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        p.operandRoots[2] = keccak256("not the bias");
        vm.expectPartialRevert(PhaseBoundary.OperandNotInSlot.selector);
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAWrongActivationOperandNamingSlotAndState() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        bytes32 root = keccak256("not the activation");
        p.operandRoots[0] = root;
        // Operand 0 of node 1 (relu) is activation slot 1 of S_1.
        bytes32 computed = Merkle.rootFromLeafMemory(TensorRoot.slotLeaf(root, 32), 1, p.operandProofs[0]);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.OperandNotInSlot.selector, 0, 0, 1, c.sI, computed));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsAgainstAnotherState() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        vm.expectPartialRevert(PhaseBoundary.OperandNotInSlot.selector);
        pb.initialStateHash(c.m, c.node, c.sNext, c.phaseProof);
    }

    function test_initialStateHash_revertsOnAMissingOperand() public {
        PhaseVectors.Case memory c = PhaseVectors.get(0);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        bytes32[] memory roots = p.operandRoots;
        assembly ("memory-safe") {
            mstore(roots, 4)
        }
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.OperandCount.selector, 5, 4, 5));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAWrongHeaderLeaf() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        p.header = bytes32(uint256(p.header) ^ (1 << 255));
        vm.expectPartialRevert(PhaseBoundary.HeaderNotInProgram.selector);
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAWrongStaticImage() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        p.staticRoot = keccak256("other static data");
        vm.expectPartialRevert(PhaseBoundary.LinearMemoryNotInProgram.selector);
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnAProgramRootThatIsNotTheImage() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        c.m.programRoot = keccak256("another program");
        vm.expectPartialRevert(PhaseBoundary.LinearMemoryNotInProgram.selector);
        pb.initialStateHash(c.m, c.node, c.sI, c.phaseProof);
    }

    function test_initialStateHash_revertsOnACommittedDescriptorWithAMisplacedBlock() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        _setU32(p.descriptor, 16, 0x20020); // operand 0 at 0x20020 instead of 0x20000
        c.m.graphRoot = _graphWith(p.descriptor, c.node, p.descriptorProof);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.BlockAddressMismatch.selector, 0, 0x20000, 0x20020));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnACommittedDescriptorWithAMisplacedOutput() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        _setU32(p.descriptor, 112, 0x20000); // output over operand 0
        c.m.graphRoot = _graphWith(p.descriptor, c.node, p.descriptorProof);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.BlockAddressMismatch.selector, 6, 0x20020, 0x20000));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnACommittedDescriptorWithTooManyOperands() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        _setU32(p.descriptor, 8, 7);
        c.m.graphRoot = _graphWith(p.descriptor, c.node, p.descriptorProof);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.TooManyOperands.selector, 7, 6));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnACommittedDescriptorWithABadSlotKind() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        _setU32(p.descriptor, 24, 2);
        c.m.graphRoot = _graphWith(p.descriptor, c.node, p.descriptorProof);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.OperandKind.selector, 0, 2));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    function test_initialStateHash_revertsOnACommittedDescriptorWithAWeightOutput() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.PhaseProof memory p = _phase(c);
        _setU32(p.descriptor, 120, 1);
        c.m.graphRoot = _graphWith(p.descriptor, c.node, p.descriptorProof);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.OutputKind.selector, 1));
        pb.initialStateHash(c.m, c.node, c.sI, abi.encode(p));
    }

    // ------------------------------------------------------------------ checkExit reverts

    /// @dev Case `k` of tiny-cache (after tiny-mlp's 3): 0 writes the empty cache, 1 the written one.
    function _cacheCase(uint256 k) internal pure returns (PhaseVectors.Case memory) {
        return PhaseVectors.get(PhaseVectors.COUNT - 3 + k);
    }

    function test_checkExit_cacheBlock_revertsOnAWrongPriorBlockRoot() public {
        PhaseVectors.Case memory c = _cacheCase(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.priorBlockRoot = keccak256("another block");
        vm.expectPartialRevert(PhaseBoundary.PriorBlockMismatch.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_cacheBlock_revertsWhenAWrittenCacheIsCalledEmpty() public {
        PhaseVectors.Case memory c = _cacheCase(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.priorEmpty = true;
        vm.expectRevert(PhaseBoundary.UnusedRegionProof.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
        p.priorRoot = bytes32(0);
        vm.expectPartialRevert(PhaseBoundary.PriorBlockMismatch.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_cacheBlock_revertsWhenAnEmptyCacheIsCalledWritten() public {
        PhaseVectors.Case memory c = _cacheCase(0);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.priorEmpty = false;
        p.priorRoot = Merkle.zeroHash(2);
        vm.expectPartialRevert(PhaseBoundary.OutputSlotNotEmpty.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_cacheBlock_revertsOnAShortRegionProof() public {
        PhaseVectors.Case memory c = _cacheCase(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.regionProof = new bytes32[](1);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.ProofLength.selector, 6, 2, 1));
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_wholeSlotWrite_revertsOnCacheFields() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.regionProof = new bytes32[](1);
        vm.expectRevert(PhaseBoundary.UnusedRegionProof.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_revertsOnARunningFinalState() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.witness = c.midWitness;
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.FinalStateNotHalted.selector, 0));
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.midHash, abi.encode(p));
    }

    function test_checkExit_revertsOnAWitnessThatIsNotTheClaimedState() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.witness = c.midWitness;
        vm.expectPartialRevert(PhaseBoundary.FinalStateMismatch.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_revertsOnAShortWitness() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.witness = new bytes(76);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.WitnessLength.selector, 77, 76));
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_revertsOnAWrongOutputRoot() public {
        PhaseVectors.Case memory c = PhaseVectors.get(2);
        PhaseBoundary.ExitProof memory p = _exit(c);
        p.outputRoot = keccak256("another output");
        vm.expectPartialRevert(PhaseBoundary.OutputNotInMemory.selector);
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_revertsOnAWrongNextState() public {
        PhaseVectors.Case memory c = PhaseVectors.get(2);
        bytes32 wrong = keccak256("not S_{i+1}");
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.NextStateMismatch.selector, wrong, c.sNext));
        pb.checkExit(c.m, c.node, c.sI, wrong, c.finalHash, c.exitProof);
    }

    function test_checkExit_revertsWhenTheOutputSlotIsAlreadyFilled() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        // S_{i+1} already holds node i's output: writing it again is not the move from S_i.
        vm.expectPartialRevert(PhaseBoundary.OutputSlotNotEmpty.selector);
        pb.checkExit(c.m, c.node, c.sNext, c.sNext, c.finalHash, c.exitProof);
    }

    function test_checkExit_revertsOnAnOutputProofOfTheWrongHeight() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        PhaseBoundary.ExitProof memory p = _exit(c);
        bytes32[] memory op = p.outputProof;
        uint256 n = op.length;
        assembly ("memory-safe") {
            mstore(op, sub(n, 1))
        }
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.ProofLength.selector, 4, n, n - 1));
        pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, abi.encode(p));
    }

    function test_checkExit_revertsNodeOutOfRange() public {
        PhaseVectors.Case memory c = PhaseVectors.get(1);
        ModelCommitment memory m = c.m;
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.NodeOutOfRange.selector, 5, 3));
        pb.checkExit(m, 5, c.sI, c.sNext, c.finalHash, c.exitProof);
    }

    // ------------------------------------------------------------------ tampering, fuzzed

    function _flip(bytes memory b, uint256 pos, uint8 bit) internal pure returns (bytes memory f) {
        f = bytes.concat(b);
        pos %= f.length;
        f[pos] ^= bytes1(uint8(1) << (bit % 8));
    }

    /// @notice Any one flipped bit of the phase proof reverts, or (a bit in ABI slack) yields the
    ///         same initial state: never another one.
    function testFuzz_initialStateHash_aFlippedProofBitNeverYieldsAnotherState(uint256 which, uint256 pos, uint8 bit)
        public
        view
    {
        PhaseVectors.Case memory c = PhaseVectors.get(which % PhaseVectors.COUNT);
        try pb.initialStateHash(c.m, c.node, c.sI, _flip(c.phaseProof, pos, bit)) returns (bytes32 h) {
            assertEq(h, c.initialHash);
        } catch {}
    }

    /// @notice Any one flipped bit of the exit proof reverts, unless it lies in ABI slack (the
    ///         proof decodes to the honest one).
    function testFuzz_checkExit_aFlippedProofBitIsRejectedUnlessItDecodesTheSame(uint256 which, uint256 pos, uint8 bit)
        public
        view
    {
        PhaseVectors.Case memory c = PhaseVectors.get(which % PhaseVectors.COUNT);
        bytes memory f = _flip(c.exitProof, pos, bit);
        try pb.checkExit(c.m, c.node, c.sI, c.sNext, c.finalHash, f) {
            assertEq(abi.encode(abi.decode(f, (PhaseBoundary.ExitProof))), c.exitProof);
        } catch {}
    }
}
