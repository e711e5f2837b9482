// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {IncentiveHandler} from "./IncentiveHandler.sol";

/// @notice Incentive invariants of the oracle's settlement (protocol.md §8.4) under random
///         sequences of lies, truths, self-challenges by a colluding pair, griefing challenges,
///         moves, time, timeouts, finalizations and withdrawals (see IncentiveHandler).
contract OpmlOracleIncentivesInvariantTest is Test {
    IncentiveHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(100);
        handler = new IncentiveHandler();
    }

    /// @dev Read by forge: only the handler is fuzzed.
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
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
