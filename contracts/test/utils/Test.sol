// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @title Test
/// @notice The project's base for forge tests (the npm forge-std is not usable here): `vm`, assertions,
///         fuzz-input bounding, named addresses, time and balance helpers, and reading JSON vectors.
/// @dev Assertions forward to forge's assertion cheatcodes, so a failure reverts at once with forge's
///      own message (`assertion failed: 1 != 2`, plus the optional `err`). A test function fails when
///      it reverts; there is no `failed()` flag. Reverts of internal library code cannot be caught by
///      `vm.expectRevert` (it watches the next external call): call such code through a harness
///      contract.
abstract contract Test {
    /// @dev forge's cheatcode address: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
    address internal constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
    Vm internal constant vm = Vm(VM_ADDRESS);

    uint256 internal constant UINT256_MAX = type(uint256).max;

    // forge prints these events under "Logs:" (with -vv), like forge-std's console-free logging.
    event log(string);
    event log_named_uint(string key, uint256 val);
    event log_named_bytes32(string key, bytes32 val);
    event log_named_bytes(string key, bytes val);
    event log_named_string(string key, string val);

    // ------------------------------------------------------------------ assertions

    function fail() internal pure virtual {
        vm.assertTrue(false, "fail()");
    }

    function fail(string memory err) internal pure virtual {
        vm.assertTrue(false, err);
    }

    function assertTrue(bool condition) internal pure virtual {
        vm.assertTrue(condition);
    }

    function assertTrue(bool condition, string memory err) internal pure virtual {
        vm.assertTrue(condition, err);
    }

    function assertFalse(bool condition) internal pure virtual {
        vm.assertFalse(condition);
    }

    function assertFalse(bool condition, string memory err) internal pure virtual {
        vm.assertFalse(condition, err);
    }

    function assertEq(bool left, bool right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(bool left, bool right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(uint256 left, uint256 right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(uint256 left, uint256 right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(int256 left, int256 right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(int256 left, int256 right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(address left, address right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(address left, address right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(bytes32 left, bytes32 right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(bytes32 left, bytes32 right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(string memory left, string memory right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(string memory left, string memory right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(bytes memory left, bytes memory right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(bytes memory left, bytes memory right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(bytes32[] memory left, bytes32[] memory right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(bytes32[] memory left, bytes32[] memory right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(uint256[] memory left, uint256[] memory right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(uint256[] memory left, uint256[] memory right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertEq(address[] memory left, address[] memory right) internal pure virtual {
        vm.assertEq(left, right);
    }

    function assertEq(address[] memory left, address[] memory right, string memory err) internal pure virtual {
        vm.assertEq(left, right, err);
    }

    function assertNotEq(uint256 left, uint256 right) internal pure virtual {
        vm.assertNotEq(left, right);
    }

    function assertNotEq(uint256 left, uint256 right, string memory err) internal pure virtual {
        vm.assertNotEq(left, right, err);
    }

    function assertNotEq(bytes32 left, bytes32 right) internal pure virtual {
        vm.assertNotEq(left, right);
    }

    function assertNotEq(bytes32 left, bytes32 right, string memory err) internal pure virtual {
        vm.assertNotEq(left, right, err);
    }

    function assertNotEq(address left, address right) internal pure virtual {
        vm.assertNotEq(left, right);
    }

    function assertNotEq(address left, address right, string memory err) internal pure virtual {
        vm.assertNotEq(left, right, err);
    }

    function assertNotEq(bytes memory left, bytes memory right) internal pure virtual {
        vm.assertNotEq(left, right);
    }

    function assertNotEq(bytes memory left, bytes memory right, string memory err) internal pure virtual {
        vm.assertNotEq(left, right, err);
    }

    function assertLt(uint256 left, uint256 right) internal pure virtual {
        vm.assertLt(left, right);
    }

    function assertLt(uint256 left, uint256 right, string memory err) internal pure virtual {
        vm.assertLt(left, right, err);
    }

    function assertLe(uint256 left, uint256 right) internal pure virtual {
        vm.assertLe(left, right);
    }

    function assertLe(uint256 left, uint256 right, string memory err) internal pure virtual {
        vm.assertLe(left, right, err);
    }

    function assertGt(uint256 left, uint256 right) internal pure virtual {
        vm.assertGt(left, right);
    }

    function assertGt(uint256 left, uint256 right, string memory err) internal pure virtual {
        vm.assertGt(left, right, err);
    }

    function assertGe(uint256 left, uint256 right) internal pure virtual {
        vm.assertGe(left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory err) internal pure virtual {
        vm.assertGe(left, right, err);
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta) internal pure virtual {
        vm.assertApproxEqAbs(left, right, maxDelta);
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string memory err) internal pure virtual {
        vm.assertApproxEqAbs(left, right, maxDelta, err);
    }

    // ------------------------------------------------------------------ fuzzing

    /// @notice Maps any `x` into `[min, max]` (inclusive) without discarding the run, keeping small
    ///         values small: `x` already in range is returned unchanged, and values just outside it
    ///         wrap to the nearest end (so the fuzzer's edge values still reach the range's edges).
    /// @dev Same mapping as forge-std's `_bound`, so fuzz corpora behave the same; pure (unlike
    ///      `vm.bound`) and silent (no log line per call).
    function bound(uint256 x, uint256 min, uint256 max) internal pure virtual returns (uint256 result) {
        vm.assertLe(min, max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        // Values 0..3 and max-3..max land near the ends of the range.
        if (x <= 3 && size > x) return min + x;
        if (x >= UINT256_MAX - 3 && size > UINT256_MAX - x) return max - (UINT256_MAX - x);
        if (x > max) {
            uint256 diff = x - max;
            uint256 rem = diff % size;
            if (rem == 0) return max;
            result = min + rem - 1;
        } else {
            uint256 diff = min - x;
            uint256 rem = diff % size;
            if (rem == 0) return min;
            result = max - rem + 1;
        }
    }

    // ------------------------------------------------------------------ accounts, time, balances

    /// @notice A deterministic address for `name`, labelled in traces.
    function makeAddr(string memory name) internal virtual returns (address account) {
        account = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(account, name);
    }

    /// @notice A deterministic address and its private key for `name`, labelled in traces.
    function makeAddrAndKey(string memory name) internal virtual returns (address account, uint256 privateKey) {
        privateKey = uint256(keccak256(bytes(name)));
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    /// @notice Funds `who` with `amount` wei and makes it the sender of the next call.
    function hoax(address who, uint256 amount) internal virtual {
        vm.deal(who, amount);
        vm.prank(who);
    }

    /// @notice Moves the block timestamp forward by `secondsForward`.
    function skip(uint256 secondsForward) internal virtual {
        vm.warp(vm.getBlockTimestamp() + secondsForward);
    }

    /// @notice Moves the block timestamp back by `secondsBack`.
    function rewind(uint256 secondsBack) internal virtual {
        vm.warp(vm.getBlockTimestamp() - secondsBack);
    }

    // ------------------------------------------------------------------ files

    /// @notice The text of `path`, relative to the repository root (where foundry.toml lies). The
    ///         path must be readable under foundry.toml's `fs_permissions` (e.g. `contracts/test/vectors`).
    /// @dev Foundry resolves a relative path against the project root. The path stays relative so
    ///      that no test's gas depends on where the repository is checked out.
    function readProjectFile(string memory path) internal view virtual returns (string memory) {
        return vm.readFile(path);
    }
}
