// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {Vm} from "./Vm.sol";

/// @dev A callee for the caller/revert/event cheatcodes.
contract Probe {
    error Refused(uint256 got, uint256 limit);
    error Closed();

    event Poked(address indexed caller, uint256 value);

    function whoCalls() external view returns (address sender, address origin) {
        return (msg.sender, tx.origin);
    }

    function refuseAbove(uint256 x, uint256 limit) external pure returns (uint256) {
        if (x > limit) revert Refused(x, limit);
        return x;
    }

    function close() external pure {
        revert Closed();
    }

    function poke(uint256 value) external {
        emit Poked(msg.sender, value);
    }
}

/// @notice Proves the test base itself: every assertion can fail, the helpers do what they say, and
///         the cheatcodes declared in Vm.sol have the selectors forge knows.
contract TestBaseTest is Test {
    Probe internal probe;

    function setUp() public {
        probe = new Probe();
    }

    // External wrappers so `vm.expectRevert` can watch an assertion fail.
    function assertEqUint(uint256 a, uint256 b) external pure {
        assertEq(a, b);
    }

    function assertEqBytes32(bytes32 a, bytes32 b) external pure {
        assertEq(a, b);
    }

    function assertEqBool(bool a, bool b) external pure {
        assertEq(a, b);
    }

    function assertEqBytes(bytes memory a, bytes memory b) external pure {
        assertEq(a, b);
    }

    function assertEqBytes32Array(bytes32[] memory a, bytes32[] memory b) external pure {
        assertEq(a, b);
    }

    function assertLtUint(uint256 a, uint256 b) external pure {
        assertLt(a, b);
    }

    function failWith(string memory err) external pure {
        fail(err);
    }

    function test_assertEq_equalValues_pass() public pure {
        assertEq(uint256(7), uint256(7));
        assertEq(bytes32(uint256(1)), bytes32(uint256(1)));
        assertEq(true, true);
        assertEq(bytes("abc"), bytes("abc"));
        assertEq(int256(-3), int256(-3));
        assertEq(address(1), address(1));
        assertEq(string("x"), string("x"));
        bytes32[] memory a = new bytes32[](2);
        a[1] = bytes32(uint256(9));
        assertEq(a, a);
        assertNotEq(uint256(1), uint256(2));
        assertLe(uint256(2), uint256(2));
        assertGe(uint256(2), uint256(2));
        assertGt(uint256(3), uint256(2));
        assertTrue(true);
        assertFalse(false);
    }

    function test_assertEq_uint_mismatch_reverts() public {
        vm.expectRevert(bytes("assertion failed: 1 != 2"));
        this.assertEqUint(1, 2);
    }

    function test_assertEq_bytes32_mismatch_reverts() public {
        vm.expectRevert(
            bytes(
                "assertion failed: 0x0000000000000000000000000000000000000000000000000000000000000001 != 0x0000000000000000000000000000000000000000000000000000000000000002"
            )
        );
        this.assertEqBytes32(bytes32(uint256(1)), bytes32(uint256(2)));
    }

    function test_assertEq_bool_mismatch_reverts() public {
        vm.expectRevert(bytes("assertion failed: true != false"));
        this.assertEqBool(true, false);
    }

    function test_assertEq_bytes_mismatch_reverts() public {
        vm.expectRevert(bytes("assertion failed: 0x01 != 0x02"));
        this.assertEqBytes(hex"01", hex"02");
    }

    function test_assertEq_bytes32ArrayLength_mismatch_reverts() public {
        vm.expectRevert();
        this.assertEqBytes32Array(new bytes32[](1), new bytes32[](2));
    }

    function test_assertLt_equal_reverts() public {
        vm.expectRevert(bytes("assertion failed: 5 >= 5"));
        this.assertLtUint(5, 5);
    }

    function test_fail_reverts_withMessage() public {
        vm.expectRevert(bytes("boom"));
        this.failWith("boom");
    }

    function test_bound_inRange_unchanged() public pure {
        assertEq(bound(5, 0, 10), 5);
        assertEq(bound(10, 10, 10), 10);
    }

    function test_bound_smallAndHugeValues_reachEnds() public pure {
        assertEq(bound(0, 100, 200), 100);
        assertEq(bound(3, 100, 200), 103);
        assertEq(bound(UINT256_MAX, 100, 200), 200);
        assertEq(bound(UINT256_MAX - 1, 100, 200), 199);
    }

    function testFuzz_bound_alwaysInRange(uint256 x, uint256 min, uint256 max) public pure {
        if (min > max) (min, max) = (max, min);
        uint256 r = bound(x, min, max);
        assertGe(r, min);
        assertLe(r, max);
    }

    function test_makeAddr_deterministicAndDistinct() public {
        address alice = makeAddr("alice");
        assertEq(alice, vm.addr(uint256(keccak256("alice"))));
        assertNotEq(alice, makeAddr("bob"));
        (address a2, uint256 key) = makeAddrAndKey("alice");
        assertEq(a2, alice);
        assertEq(key, uint256(keccak256("alice")));
    }

    function test_prank_setsSenderForOneCall() public {
        address alice = makeAddr("alice");
        vm.prank(alice);
        (address sender,) = probe.whoCalls();
        assertEq(sender, alice);
        (sender,) = probe.whoCalls();
        assertEq(sender, address(this));
    }

    function test_startPrank_setsSenderAndOrigin_untilStop() public {
        address alice = makeAddr("alice");
        address bob = makeAddr("bob");
        vm.startPrank(alice, bob);
        (address sender, address origin) = probe.whoCalls();
        assertEq(sender, alice);
        assertEq(origin, bob);
        (sender,) = probe.whoCalls();
        assertEq(sender, alice);
        vm.stopPrank();
        (sender,) = probe.whoCalls();
        assertEq(sender, address(this));
    }

    function test_hoax_fundsAndPranks() public {
        address carol = makeAddr("carol");
        hoax(carol, 3 ether);
        (address sender,) = probe.whoCalls();
        assertEq(sender, carol);
        assertEq(carol.balance, 3 ether);
        vm.deal(carol, 1);
        assertEq(carol.balance, 1);
    }

    function test_warpSkipRewind_moveTimestamp() public {
        vm.warp(1000);
        assertEq(block.timestamp, 1000);
        skip(50);
        assertEq(vm.getBlockTimestamp(), 1050);
        rewind(25);
        assertEq(vm.getBlockTimestamp(), 1025);
        vm.roll(77);
        assertEq(vm.getBlockNumber(), 77);
    }

    function test_expectRevert_customErrorWithValues() public {
        vm.expectRevert(abi.encodeWithSelector(Probe.Refused.selector, 11, 10));
        probe.refuseAbove(11, 10);
    }

    /// @dev `expectRevert(bytes4)` matches the whole revert data, so it fits errors without arguments;
    ///      for an error with arguments use the full encoding or `expectPartialRevert`.
    function test_expectRevert_selectorOnly_errorWithoutArguments() public {
        vm.expectRevert(Probe.Closed.selector);
        probe.close();
    }

    function test_expectPartialRevert_ignoresArguments() public {
        vm.expectPartialRevert(Probe.Refused.selector);
        probe.refuseAbove(13, 10);
    }

    function test_expectEmit_matchesEvent() public {
        vm.expectEmit(true, false, false, true, address(probe));
        emit Probe.Poked(address(this), 42);
        probe.poke(42);
    }

    function test_recordLogs_capturesEvent() public {
        vm.recordLogs();
        probe.poke(5);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].emitter, address(probe));
        assertEq(logs[0].topics[0], Probe.Poked.selector);
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(address(this)))));
        assertEq(abi.decode(logs[0].data, (uint256)), 5);
    }

    function test_snapshotState_revertsStorageChanges() public {
        address dave = makeAddr("dave");
        uint256 id = vm.snapshotState();
        vm.deal(dave, 9);
        assertTrue(vm.revertToState(id));
        assertEq(dave.balance, 0);
    }

    function test_lastCallGas_reportsGas() public {
        probe.poke(1);
        Vm.Gas memory g = vm.lastCallGas();
        assertGt(g.gasTotalUsed, 0);
    }

    function test_parseJson_typedReaders() public pure {
        string memory json =
            '{"n":"0x2a","u":[1,2],"h":"0x0000000000000000000000000000000000000000000000000000000000000007","hs":["0x0000000000000000000000000000000000000000000000000000000000000001"],"b":"0xabcd","ok":true,"s":"hi"}';
        assertEq(vm.parseJsonUint(json, ".n"), 42);
        uint256[] memory u = vm.parseJsonUintArray(json, ".u");
        assertEq(u.length, 2);
        assertEq(u[1], 2);
        assertEq(vm.parseJsonBytes32(json, ".h"), bytes32(uint256(7)));
        bytes32[] memory hs = vm.parseJsonBytes32Array(json, ".hs");
        assertEq(hs.length, 1);
        assertEq(hs[0], bytes32(uint256(1)));
        assertEq(vm.parseJsonBytes(json, ".b"), hex"abcd");
        assertTrue(vm.parseJsonBool(json, ".ok"));
        assertEq(vm.parseJsonString(json, ".s"), string("hi"));
        string[] memory keys = vm.parseJsonKeys(json, "$");
        assertEq(keys.length, 7);
    }

    function test_keyExistsJson_reportsPresence() public view {
        string memory json = '{"a":{"b":1}}';
        assertTrue(vm.keyExistsJson(json, ".a.b"));
        assertFalse(vm.keyExistsJson(json, ".a.c"));
    }

    function test_readProjectFile_readsFoundryToml_denied() public {
        // foundry.toml is outside fs_permissions (only contracts/test/vectors is readable).
        vm.expectRevert();
        this.readOutsideVectors();
    }

    function readOutsideVectors() external view returns (string memory) {
        return readProjectFile("foundry.toml");
    }

    function test_toString_formats() public pure {
        assertEq(vm.toString(uint256(12)), string("12"));
        assertEq(vm.toString(true), string("true"));
        assertEq(vm.toString(bytes(hex"beef")), string("0xbeef"));
    }
}
