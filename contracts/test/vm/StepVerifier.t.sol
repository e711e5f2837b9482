// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Shifts of 1 build masks and casts wrap on purpose: every value is reduced modulo its width
// exactly as vm/step.ts reduces it (checked by test/stepDiff.test.ts).
// forge-lint: disable-start(unsafe-typecast,incorrect-shift)

import {GoldenVectors} from "./GoldenVectors.sol";
import {StepVerifier} from "../../src/vm/StepVerifier.sol";
import {VmLayout} from "../../src/vm/VmLayout.sol";
import {VmStatus} from "../../src/interfaces/IStepVerifier.sol";

/// @notice Replays the VM's golden one-step vectors (contracts/test/vectors/vm/, written from the
///         TypeScript VM by vm/tools/goldenVectors.ts): all of them, and its named cases one by one;
///         and checks every malformed-input revert.
contract StepVerifierTest is GoldenVectors {
    /// @dev The named cases (named.json), in storage for the tests that pick them by name.
    Vector[] internal named;

    function setUp() public {
        Vector[] memory vs = _load("named.json");
        for (uint256 i = 0; i < vs.length; i++) {
            named.push(vs[i]);
        }
    }

    function _named(string memory name) internal view returns (Vector memory) {
        for (uint256 i = 0; i < named.length; i++) {
            if (keccak256(bytes(named[i].name)) == keccak256(bytes(name))) return named[i];
        }
        revert(string.concat("no vector ", name));
    }

    function _replay(string memory name) internal view returns (bytes32 post) {
        Vector memory v = _named(name);
        post = verifier.step(v.preWitness, v.proof);
        assertEq(post, v.postStateHash, name);
    }

    /// @dev A vector picked by two fuzzed numbers: a file of `_files()`, then a vector of it.
    function _pick(uint256 file, uint256 which) internal view returns (Vector memory) {
        string[] memory files = _files();
        Vector[] memory vs = _load(files[bound(file, 0, files.length - 1)]);
        return vs[bound(which, 0, vs.length - 1)];
    }

    // ------------------------------------------------------------------ golden vectors

    function testDiff_allGoldenVectors_matchTheTypeScriptVm() public view {
        string[] memory files = _files();
        uint256 n;
        for (uint256 f = 0; f < files.length; f++) {
            n += _replayFile(files[f]);
        }
        assertGt(n, 200);
    }

    function testDiff_step_i32DivByZero_traps() public view {
        assertEq(VmStatus.statusOf(_replay("i32DivByZero_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_i32DivSignedOverflow_traps() public view {
        assertEq(VmStatus.statusOf(_replay("i32DivSignedOverflow_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_i64RemByZero_traps() public view {
        assertEq(VmStatus.statusOf(_replay("i64RemByZero_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_loadOutOfBounds_traps() public view {
        assertEq(VmStatus.statusOf(_replay("loadOutOfBounds_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_storeOutOfBounds_traps() public view {
        assertEq(VmStatus.statusOf(_replay("storeOutOfBounds_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_loadAcrossLeaves_readsTwoLeaves() public view {
        assertEq(_named("loadAcrossLeaves_readsTwoLeaves").accesses, 5);
        assertEq(VmStatus.statusOf(_replay("loadAcrossLeaves_readsTwoLeaves")), VmStatus.RUNNING);
    }

    function testDiff_step_storeAcrossLeaves_writesTwoLeaves() public view {
        assertEq(_named("storeAcrossLeaves_writesTwoLeaves").accesses, 5);
        assertEq(VmStatus.statusOf(_replay("storeAcrossLeaves_writesTwoLeaves")), VmStatus.RUNNING);
    }

    function testDiff_step_unreachable_traps() public view {
        assertEq(VmStatus.statusOf(_replay("unreachable_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_halt_halts() public view {
        assertEq(VmStatus.statusOf(_replay("halt_halts")), VmStatus.HALTED);
    }

    function testDiff_step_stepCap_traps() public view {
        assertEq(VmStatus.statusOf(_replay("stepCap_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_callStackExhausted_traps() public view {
        assertEq(VmStatus.statusOf(_replay("callStackExhausted_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_callIndirectNull_traps() public view {
        assertEq(VmStatus.statusOf(_replay("callIndirectNull_traps")), VmStatus.TRAPPED);
    }

    function testDiff_step_callIndirect_calls() public view {
        assertEq(VmStatus.statusOf(_replay("callIndirect_calls")), VmStatus.RUNNING);
    }

    /// @notice Halted and trapped states are fixed points: the post-state hash is the pre-state hash.
    function testDiff_step_haltedAndTrapped_areFixedPoints() public view {
        Vector memory h = _named("halted_isFixedPoint");
        Vector memory t = _named("trapped_isFixedPoint");
        assertEq(verifier.step(h.preWitness, ""), verifier.stateHash(h.preWitness));
        assertEq(VmStatus.statusOf(verifier.step(h.preWitness, "")), VmStatus.HALTED);
        assertEq(verifier.step(t.preWitness, ""), verifier.stateHash(t.preWitness));
        assertEq(VmStatus.statusOf(verifier.step(t.preWitness, "")), VmStatus.TRAPPED);
    }

    // ------------------------------------------------------------------ gas

    /// @notice The gas goal: any single step ≤ 100k gas (execution of the step call;
    ///         the proof's calldata is priced by the transaction that carries it, see bench/contracts.ts).
    function test_gas_everyGoldenVector_isAtMost100k() public view {
        string[] memory files = _files();
        uint256 worst;
        for (uint256 f = 0; f < files.length; f++) {
            uint256 mark = _mark();
            Vector[] memory vs = _load(files[f]);
            for (uint256 i = 0; i < vs.length; i++) {
                uint256 g = gasleft();
                verifier.step(vs[i].preWitness, vs[i].proof);
                g -= gasleft();
                if (g > worst) worst = g;
                assertLe(g, 100_000, vs[i].name);
            }
            _release(mark);
        }
        assertGt(worst, 20_000); // the measurement sees real work
    }

    // ------------------------------------------------------------------ state hash

    function test_stateHash_isTaggedKeccakWithStatusInTopByte() public view {
        Vector memory v = _named("halted_isFixedPoint");
        bytes32 d = keccak256(abi.encodePacked(VmLayout.STATE_TAG, v.preWitness));
        assertEq(verifier.stateHash(v.preWitness), VmStatus.tag(d, VmStatus.HALTED));
    }

    // ------------------------------------------------------------------ malformed input

    function test_step_shortWitness_revertsWitnessLength() public {
        Vector memory v = _named("halt_halts");
        bytes memory w = _slice(v.preWitness, 0, 76);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.WitnessLength.selector, 77, 76));
        verifier.step(w, v.proof);
    }

    function test_stateHash_longWitness_revertsWitnessLength() public {
        bytes memory w = new bytes(78);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.WitnessLength.selector, 77, 78));
        verifier.stateHash(w);
    }

    function test_step_unknownStatus_revertsWitnessStatus() public {
        Vector memory v = _named("halt_halts");
        bytes memory w = bytes.concat(v.preWitness);
        w[76] = 0x03;
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.WitnessStatus.selector, 3));
        verifier.step(w, v.proof);
    }

    function test_step_proofForFixedPoint_revertsProofLength() public {
        Vector memory h = _named("halted_isFixedPoint");
        bytes memory p = _named("halt_halts").proof;
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofLength.selector, 0, p.length));
        verifier.step(h.preWitness, p);
    }

    function test_step_missingAccess_revertsProofTooShort() public {
        Vector memory v = _named("storeAcrossLeaves_writesTwoLeaves");
        bytes memory p = _slice(v.proof, 0, 4 * ACCESS);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofTooShort.selector, 4, 5 * ACCESS, 4 * ACCESS));
        verifier.step(v.preWitness, p);
    }

    function test_step_partialAccess_revertsProofTooShort() public {
        Vector memory v = _named("halt_halts");
        bytes memory p = _slice(v.proof, 0, 100);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofTooShort.selector, 0, ACCESS, 100));
        verifier.step(v.preWitness, p);
    }

    function test_step_unusedAccess_revertsProofLength() public {
        Vector memory v = _named("halt_halts");
        bytes memory p = bytes.concat(v.proof, v.proof);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofLength.selector, ACCESS, 2 * ACCESS));
        verifier.step(v.preWitness, p);
    }

    /// @notice A tampered leaf (the value a binary op reads) no longer climbs to the memory root.
    function test_step_tamperedLeaf_revertsLeafMismatch() public {
        Vector memory v = _named("i32DivByZero_traps");
        bytes memory p = bytes.concat(v.proof);
        p[ACCESS + 31] = bytes1(uint8(p[ACCESS + 31]) ^ 1); // access 1: slot sp-1
        vm.expectPartialRevert(StepVerifier.LeafMismatch.selector);
        verifier.step(v.preWitness, p);
    }

    /// @notice A tampered sibling of a later access (after a write moved the root) is caught too.
    function test_step_tamperedSiblingAfterWrite_revertsLeafMismatch() public {
        Vector memory v = _named("storeAcrossLeaves_writesTwoLeaves");
        bytes memory p = bytes.concat(v.proof);
        p[4 * ACCESS + 32 + 5] = bytes1(uint8(p[4 * ACCESS + 32 + 5]) ^ 0x80); // access 4, sibling 0
        vm.expectPartialRevert(StepVerifier.LeafMismatch.selector);
        verifier.step(v.preWitness, p);
    }

    /// @notice A proof taken against another memory root is refused at its first access.
    function test_step_wrongRoot_revertsLeafMismatchWithBothRoots() public {
        Vector memory v = _named("halt_halts");
        bytes memory w = bytes.concat(v.preWitness);
        w[0] = bytes1(uint8(w[0]) ^ 0xff);
        bytes32 root;
        bytes32 leaf;
        assembly {
            root := mload(add(w, 32))
        }
        // access 0 reads the instruction leaf; its proof still climbs to the true root
        bytes memory p = v.proof;
        assembly {
            leaf := mload(add(p, 32))
        }
        bytes32 trueRoot = bytes32(uint256(root) ^ (uint256(0xff) << 248));
        uint256 pc = uint256(uint32(bytes4(_slice(v.preWitness, 32, 4))));
        uint256 leafIndex = (VmLayout.CODE_BASE + VmLayout.INSTR_BYTES * pc) / 32;
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.LeafMismatch.selector, 0, leafIndex, root, trueRoot));
        verifier.step(w, p);
        leaf; // the leaf itself is untouched
    }

    /// @notice Soundness of the proof check: flipping any bit of any access (leaf or sibling) of any
    ///         vector makes the step revert; it can never yield another post-state.
    function testFuzz_step_anyFlippedProofBit_reverts(uint256 file, uint256 which, uint256 pos, uint8 bit) public {
        Vector memory v = _pick(file, which);
        vm.assume(v.proof.length > 0);
        bytes memory p = bytes.concat(v.proof);
        pos = bound(pos, 0, p.length - 1);
        p[pos] = bytes1(uint8(p[pos]) ^ uint8(1 << (bit % 8)));
        vm.expectPartialRevert(StepVerifier.LeafMismatch.selector);
        verifier.step(v.preWitness, p);
    }

    /// @notice Any change of a running witness's registers or root changes the post-state or reverts.
    function testFuzz_step_flippedWitnessBit_neverGivesThePostState(uint256 file, uint256 which, uint256 pos, uint8 bit)
        public
        view
    {
        Vector memory v = _pick(file, which);
        bytes memory w = bytes.concat(v.preWitness);
        pos = bound(pos, 0, 76);
        w[pos] = bytes1(uint8(w[pos]) ^ uint8(1 << (bit % 8)));
        try verifier.step(w, v.proof) returns (bytes32 post) {
            assertNotEq(post, v.postStateHash, v.name);
        } catch {}
    }

    function _slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            out[i] = b[start + i];
        }
    }
}
// forge-lint: disable-end(unsafe-typecast,incorrect-shift)
