// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {PhaseBoundary} from "../../src/phase/PhaseBoundary.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {StepVerifier} from "../../src/vm/StepVerifier.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {IStepVerifier} from "../../src/interfaces/IStepVerifier.sol";
import {PhaseVectors} from "./PhaseVectors.sol";

/// @notice The real PhaseBoundary in the real DisputeGame: level 1 over tiny-mlp's 3 nodes down to
///         node 1, then `openPhase2` with the TS VM's proofs (PhaseVectors).
contract PhaseBoundaryGameTest is Test {
    DisputeGame internal game;
    address internal defender = makeAddr("defender");
    address internal challenger = makeAddr("challenger");

    function setUp() public {
        game = new DisputeGame(
            4, 32, 1 days, 1 hours, 1 hours, IStepVerifier(address(new StepVerifier())), new PhaseBoundary()
        );
    }

    /// @dev A game over tiny-mlp with S_0, the defender's S_1, S_2 and claim S_3 = `s3`, the
    ///      challenger disputing node 1 (agreed S_1, disputed `s2`).
    function _toNode1(bytes32 s2, bytes32 s3) internal returns (uint256 id) {
        PhaseVectors.Case memory c0 = PhaseVectors.get(0);
        PhaseVectors.Case memory c1 = PhaseVectors.get(1);
        id = game.createGame(defender, challenger, c1.m, c0.sI, s3);
        bytes32[] memory mids = new bytes32[](2);
        mids[0] = c1.sI;
        mids[1] = s2;
        vm.prank(defender);
        game.bisect(id, mids);
        vm.prank(challenger);
        game.choose(id, mids, 1);
    }

    function test_openPhase2_startsLevel2AtTheContractBuiltInitialStateOfNode1() public {
        PhaseVectors.Case memory c1 = PhaseVectors.get(1);
        uint256 id = _toNode1(c1.sNext, PhaseVectors.get(2).sNext);
        vm.prank(defender);
        game.openPhase2(id, c1.m, c1.finalHash, c1.phaseProof, c1.exitProof);
        IDisputeGame.GameView memory v = game.getGame(id);
        assertEq(uint256(v.level), 2);
        assertEq(uint256(v.node), 1);
        assertEq(v.startHash, c1.initialHash);
        assertEq(v.endHash, c1.finalHash);
    }

    function test_openPhase2_refusesADefenderWhoseS2IsNotTheNodesOutput() public {
        PhaseVectors.Case memory c1 = PhaseVectors.get(1);
        bytes32 lie = keccak256("a wrong S_2");
        uint256 id = _toNode1(lie, PhaseVectors.get(2).sNext);
        vm.expectRevert(abi.encodeWithSelector(PhaseBoundary.NextStateMismatch.selector, lie, c1.sNext));
        vm.prank(defender);
        game.openPhase2(id, c1.m, c1.finalHash, c1.phaseProof, c1.exitProof);
    }

    function test_openPhase2_refusesTheProofsOfAnotherNode() public {
        PhaseVectors.Case memory c1 = PhaseVectors.get(1);
        PhaseVectors.Case memory c2 = PhaseVectors.get(2);
        uint256 id = _toNode1(c1.sNext, c2.sNext);
        vm.expectPartialRevert(PhaseBoundary.DescriptorNotInGraph.selector);
        vm.prank(defender);
        game.openPhase2(id, c1.m, c2.finalHash, c2.phaseProof, c2.exitProof);
    }
}
