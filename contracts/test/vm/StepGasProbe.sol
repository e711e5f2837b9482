// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStepVerifier} from "../../src/interfaces/IStepVerifier.sol";

/// @notice Calls a step verifier as the dispute game does and reports the gas of that call
///         (argument encoding, the CALL and the verifier's execution; not the outer calldata).
contract StepGasProbe {
    /// @notice One step through `verifier`, with the gas it took.
    /// @param verifier The step verifier.
    /// @param witness The pre-state witness.
    /// @param proof The one-step proof.
    /// @return postStateHash The verifier's result.
    /// @return gasUsed Gas from before the call's encoding to after its return.
    function measure(IStepVerifier verifier, bytes calldata witness, bytes calldata proof)
        external
        view
        returns (bytes32 postStateHash, uint256 gasUsed)
    {
        uint256 before = gasleft();
        postStateHash = verifier.step(witness, proof);
        gasUsed = before - gasleft();
    }
}
