// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {OracleHandler} from "./OracleHandler.sol";
import {IOpmlOracle} from "../../src/interfaces/IOpmlOracle.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";

/// @notice Invariants of the oracle and the game under random sequences of requests, claims
///         (honest or lying), challenges (by an honest watchtower or a random adversary), moves,
///         time, timeouts, finalizations and withdrawals (see OracleHandler).
contract OpmlOracleInvariantTest is Test {
    OracleHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new OracleHandler();
    }

    /// @dev Read by forge: only the handler is fuzzed.
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// @notice The oracle always holds exactly what it owes: credited payouts, the burned share,
    ///         and the fees and bonds of everything still open.
    function invariant_oracleHoldsWhatItOwes() public view {
        address[4] memory a = handler.actors();
        uint256 owed;
        for (uint256 i = 0; i < 4; ++i) {
            owed += handler.oracle().payouts(a[i]);
        }
        assertEq(
            address(handler.oracle()).balance,
            owed + handler.oracle().burned() + handler.held(),
            "balance != payouts + burned + held"
        );
    }

    /// @notice No claim finalizes while a game against it is open.
    function invariant_noFinalizationWithOpenGame() public view {
        assertEq(handler.finalizedWithOpenGame(), 0, "finalized with an open game");
        (, uint256 claims,) = handler.counts();
        for (uint256 i = 0; i < claims; ++i) {
            IOpmlOracle.ClaimView memory c = handler.oracle().getClaim(handler.claimIds(i));
            if (c.status == IOpmlOracle.ClaimStatus.Finalized) assertEq(c.openGames, 0, "finalized claim has games");
        }
    }

    /// @notice An honest party (a truthful submitter, the watchtower) never loses a game, whatever
    ///         the adversary does.
    function invariant_honestNeverLoses() public view {
        assertEq(handler.honestLosses(), 0, "an honest party lost a game");
    }

    /// @notice Every game the oracle opened is settled exactly when it has ended.
    function invariant_settledIffResolved() public view {
        (,, uint256 games) = handler.counts();
        for (uint256 i = 0; i < games; ++i) {
            uint256 id = handler.gameIds(i);
            (,,, bool settled) = handler.oracle().getGameRecord(id);
            bool ended = handler.game().statusOf(id) != IDisputeGame.Status.InProgress;
            assertEq(settled, ended, "settlement out of step with the game");
        }
    }
}
