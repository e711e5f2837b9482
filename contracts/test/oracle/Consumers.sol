// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOpmlConsumer, IOpmlOracle} from "../../src/interfaces/IOpmlOracle.sol";

/// @notice A consumer that records what it receives and the gas it was given; can be told to revert.
contract RecordingConsumer is IOpmlConsumer {
    error Refused();

    bool public refuse;
    uint256 public calls;
    uint256 public lastRequestId;
    bytes public lastOutput;
    bytes public lastData;
    uint256 public gasAtEntry;

    function setRefuse(bool r) external {
        refuse = r;
    }

    function onOpmlResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) external {
        gasAtEntry = gasleft();
        if (refuse) revert Refused();
        calls += 1;
        lastRequestId = requestId;
        lastOutput = output;
        lastData = callbackData;
    }
}

/// @notice A consumer that burns all the gas it is given.
contract GasBurner is IOpmlConsumer {
    function onOpmlResult(uint256, bytes calldata, bytes calldata) external pure {
        while (true) {}
    }
}

/// @notice A consumer that only records the gas it was given.
contract GasMeter is IOpmlConsumer {
    uint256 public gasAtEntry;

    function onOpmlResult(uint256, bytes calldata, bytes calldata) external {
        gasAtEntry = gasleft();
    }
}

/// @notice A consumer that re-enters the oracle from its callback.
contract ReentrantConsumer is IOpmlConsumer {
    IOpmlOracle internal immutable oracle;
    uint8 public mode; // 0 finalize, 1 retryCallback, 2 withdraw

    constructor(IOpmlOracle o, uint8 mode_) {
        oracle = o;
        mode = mode_;
    }

    function onOpmlResult(uint256 requestId, bytes calldata, bytes calldata) external {
        if (mode == 0) oracle.finalize(requestId);
        else if (mode == 1) oracle.retryCallback(requestId);
        else oracle.withdraw();
    }
}

/// @notice An account that refuses ETH (for the withdraw failure path).
contract EthRefuser {
    function withdrawFrom(IOpmlOracle o) external {
        o.withdraw();
    }

    function challenge(IOpmlOracle o, uint256 requestId) external payable returns (uint256) {
        return o.challenge{value: msg.value}(requestId);
    }
}
