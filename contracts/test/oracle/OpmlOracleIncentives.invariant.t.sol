// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {InvariantTest} from "../utils/InvariantTest.sol";
import {IncentiveHandler} from "./IncentiveHandler.sol";

/// @notice Incentive invariants of the oracle's settlement (protocol.md §8.4) under random
///         sequences of lies, truths, self-challenges by a colluding pair, griefing challenges,
///         moves, time, timeouts, finalizations and withdrawals (see IncentiveHandler).
contract OpmlOracleIncentivesInvariantTest is Test, InvariantTest {
    IncentiveHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(100);
        handler = new IncentiveHandler();
        targetContract(address(handler));
        bytes4[] memory actions = new bytes4[](10);
        actions[0] = IncentiveHandler.request.selector;
        actions[1] = IncentiveHandler.submitLie.selector;
        actions[2] = IncentiveHandler.submitTruth.selector;
        actions[3] = IncentiveHandler.sockChallenge.selector;
        actions[4] = IncentiveHandler.griefChallenge.selector;
        actions[5] = IncentiveHandler.advance.selector;
        actions[6] = IncentiveHandler.warp.selector;
        actions[7] = IncentiveHandler.timeout.selector;
        actions[8] = IncentiveHandler.finalize.selector;
        actions[9] = IncentiveHandler.withdraw.selector;
        targetSelector(address(handler), actions); // not openAttack nor drain: afterInvariant's
    }

    /// @notice After each run (forge's `afterInvariant` hook, once per run: the handler's state
    ///         starts afresh with every run, so coverage is asserted per run): every game still open
    ///         is played to its end under the actors' policies and the invariants hold on the
    ///         settled state; and the run reached the attack ordering — a sock game ended first and
    ///         rejected the claim while a watchtower game on it was open, which the watchtower then
    ///         won and was paid for. A run whose fuzzed calls have not reached it gets the attack
    ///         opened here (`openAttack`: a lie, a sock challenge first, a lazy watchtower) and
    ///         left to the actors' policies, so every run of every profile checks the ordering.
    function afterInvariant() public {
        if (handler.attackOrderings() == 0) handler.openAttack();
        assertEq(handler.drain(), 0, "a game is still open after draining");
        invariant_bondsConserved();
        invariant_honestChallengerNeverPaidLessThanItsBond();
        invariant_liarNetNeverPositive();
        assertGt(handler.watchGamesSettled(), 0, "no watchtower game settled");
        assertGt(handler.sockWins(), 0, "no sock game won");
        assertGt(handler.sockFirstRejections(), 0, "no sock game rejected a claim under an open watchtower game");
        assertGt(handler.attackOrderings(), 0, "a sock game never ended first under an open watchtower game");
    }

    /// @notice Bonds are conserved: the oracle holds exactly what it owes every actor, the burned
    ///         share, and the fees, bonds and shares of everything still open.
    function invariant_bondsConserved() public view {
        address[6] memory a = handler.actors();
        uint256 owed;
        for (uint256 i = 0; i < a.length; ++i) {
            owed += handler.oracle().payouts(a[i]);
        }
        assertEq(
            address(handler.oracle()).balance,
            owed + handler.oracle().burned() + handler.held(),
            "balance != payouts + burned + held"
        );
    }

    /// @notice The honest watchtower never loses a game and is never credited less than its bond
    ///         for a game, whoever ended first.
    function invariant_honestChallengerNeverPaidLessThanItsBond() public view {
        assertEq(handler.watchLosses(), 0, "the watchtower lost a game");
        assertEq(handler.watchUnderpaid(), 0, "the watchtower was paid less than its bond");
    }

    /// @notice The liar and its sock together never come out ahead, even counting every bond they
    ///         may still get back.
    function invariant_liarNetNeverPositive() public view {
        assertTrue(handler.liarNet() <= 0, "self-challenge paid");
    }
}
