// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {InvariantTest} from "./InvariantTest.sol";

/// @dev A target for the fuzzer: two counters, one behind a function the test does not target.
contract CounterHandler {
    uint256 public up;
    uint256 public calls;
    uint256 public forbiddenCalls;
    address public lastSender;
    address[] public senders;

    function increment(uint256 by) external {
        up += by % 1000;
        ++calls;
        lastSender = msg.sender;
    }

    function forbidden() external {
        ++forbiddenCalls;
    }
}

/// @notice Proves the invariant targeting helpers reach forge: only the targeted selector of the
///         targeted contract is called, and only from the targeted sender.
contract InvariantTestTest is Test, InvariantTest {
    CounterHandler internal handler;
    CounterHandler internal bystander;
    address internal alice;

    function setUp() public {
        handler = new CounterHandler();
        bystander = new CounterHandler();
        alice = makeAddr("alice");
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = CounterHandler.increment.selector;
        targetSelector(address(handler), selectors);
        targetSender(alice);
    }

    function invariant_onlyTheTargetedSelectorIsCalled() public view {
        assertEq(handler.forbiddenCalls(), 0);
    }

    function invariant_untargetedContractIsNeverCalled() public view {
        assertEq(bystander.calls(), 0);
        assertEq(bystander.forbiddenCalls(), 0);
    }

    function invariant_onlyTheTargetedSenderCalls() public view {
        if (handler.calls() > 0) assertEq(handler.lastSender(), alice);
    }

    /// @dev Guards against the above passing vacuously: after every run (forge's `afterInvariant`
    ///      hook) the fuzzer has called the handler.
    function afterInvariant() public view {
        assertGt(handler.calls(), 0);
    }

    function test_getters_returnWhatWasRegistered() public {
        excludeContract(address(bystander));
        excludeSender(address(this));
        assertEq(targetContracts().length, 1);
        assertEq(targetContracts()[0], address(handler));
        assertEq(excludeContracts()[0], address(bystander));
        assertEq(targetSenders()[0], alice);
        assertEq(excludeSenders()[0], address(this));
        assertEq(targetSelectors()[0].selectors[0], CounterHandler.increment.selector);
    }
}
