// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOpmlOracle, IOpmlConsumer} from "../interfaces/IOpmlOracle.sol";

/// @title OpmlConsumer
/// @notice Base contract for dapps that use the opML oracle: requests an inference paying the exact
///         fee, and receives the final output through `_onOpmlResult`, called only by the oracle.
abstract contract OpmlConsumer is IOpmlConsumer {
    error OnlyOracle(address caller);
    error InsufficientFunds(uint256 fee, uint256 balance);

    /// @notice The oracle this consumer trusts.
    IOpmlOracle public immutable oracle;

    constructor(IOpmlOracle oracle_) {
        oracle = oracle_;
    }

    /// @inheritdoc IOpmlConsumer
    function onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) external {
        if (msg.sender != address(oracle)) revert OnlyOracle(msg.sender);
        _onOpmlResult(requestId, output, callbackData);
    }

    /// @dev Requests `modelId(input)` with this contract as the callback, paying the exact fee from
    ///      this contract's balance.
    function _requestInference(uint256 modelId, bytes memory input, uint32 callbackGasLimit, bytes memory data)
        internal
        returns (uint256 requestId)
    {
        uint256 fee = oracle.estimateFee(modelId, callbackGasLimit);
        if (address(this).balance < fee) revert InsufficientFunds(fee, address(this).balance);
        requestId = oracle.requestInference{value: fee}(modelId, input, address(this), callbackGasLimit, data);
    }

    /// @dev Receives a final result. Runs with exactly the callback gas limit of the request; if it
    ///      reverts the oracle records the failure and anyone may retry it.
    function _onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) internal virtual;
}
