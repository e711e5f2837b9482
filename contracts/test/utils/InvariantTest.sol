// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title InvariantTest
/// @notice Opt-in targeting for forge's invariant testing (`function invariant_*()`), mix in next to
///         `Test`: `contract MyInvariants is Test, InvariantTest`. Register what the fuzzer may call in
///         `setUp()` with `targetContract`, `targetSelector`, `targetSender`, `excludeContract`,
///         `excludeSender`; forge reads them back through the public getters below (the names and
///         return types forge looks for).
/// @dev Without any `targetContract`, forge targets every contract deployed in `setUp()`. A test
///      that defines its own `targetContracts()` should not also inherit this.
abstract contract InvariantTest {
    /// @notice A contract and the functions of it the fuzzer may call.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    address[] private _excludedContracts;
    address[] private _targetedSenders;
    address[] private _excludedSenders;
    FuzzSelector[] private _targetedSelectors;

    /// @notice Lets the fuzzer call `target` (all its functions unless `targetSelector` narrows them).
    function targetContract(address target) internal virtual {
        _targetedContracts.push(target);
    }

    /// @notice Keeps the fuzzer from calling `target`.
    function excludeContract(address target) internal virtual {
        _excludedContracts.push(target);
    }

    /// @notice Lets the fuzzer call only `selectors` of `target`.
    function targetSelector(address target, bytes4[] memory selectors) internal virtual {
        _targetedSelectors.push(FuzzSelector({addr: target, selectors: selectors}));
    }

    /// @notice Makes `sender` one of the senders the fuzzer uses (only those, once any is named).
    function targetSender(address sender) internal virtual {
        _targetedSenders.push(sender);
    }

    /// @notice Keeps the fuzzer from sending from `sender`.
    function excludeSender(address sender) internal virtual {
        _excludedSenders.push(sender);
    }

    /// @notice The contracts the fuzzer may call (read by forge).
    function targetContracts() public view virtual returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice The contracts the fuzzer must not call (read by forge).
    function excludeContracts() public view virtual returns (address[] memory) {
        return _excludedContracts;
    }

    /// @notice The functions the fuzzer may call, per contract (read by forge).
    function targetSelectors() public view virtual returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    /// @notice The senders the fuzzer uses (read by forge).
    function targetSenders() public view virtual returns (address[] memory) {
        return _targetedSenders;
    }

    /// @notice The senders the fuzzer must not use (read by forge).
    function excludeSenders() public view virtual returns (address[] memory) {
        return _excludedSenders;
    }
}
