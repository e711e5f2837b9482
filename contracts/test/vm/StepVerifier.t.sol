// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Shifts of 1 build masks and casts wrap on purpose: every value is reduced modulo its width
// exactly as vm/step.ts reduces it (checked by test/stepDiff.test.ts).
// forge-lint: disable-start(unsafe-typecast,incorrect-shift)

import {Test} from "../utils/Test.sol";
import {StepVerifier} from "../../src/vm/StepVerifier.sol";
import {VmLayout} from "../../src/vm/VmLayout.sol";
import {VmStatus} from "../../src/interfaces/IStepVerifier.sol";

/// @notice Replays the golden one-step vectors of contracts/test/vectors/vm.json (written from the
///         TypeScript VM by contracts/tools/writeVmVectors.ts) and checks every malformed-input revert.
contract StepVerifierTest is Test {
    string internal constant PATH = "contracts/test/vectors/vm.json";
    uint256 internal constant ACCESS = 992;

    /// @dev Fields in alphabetical order, as forge's JSON-to-ABI mapping expects.
    struct StepVector {
        uint256 accesses;
        string name;
        uint256 op;
        bytes32 post;
        bytes32 pre;
        bytes proof;
        string source;
        bytes witness;
    }

    StepVerifier internal verifier;
    StepVector[] internal vectors;

    function setUp() public {
        verifier = new StepVerifier();
        bytes memory raw = vm.parseJsonTypeArray(
            readProjectFile(PATH),
            ".vectors",
            "StepVector(uint256 accesses,string name,uint256 op,bytes32 post,bytes32 pre,bytes proof,string source,bytes witness)"
        );
        StepVector[] memory vs = abi.decode(raw, (StepVector[]));
        for (uint256 i = 0; i < vs.length; i++) {
            vectors.push(vs[i]);
        }
    }

    function _named(string memory name) internal view returns (StepVector memory) {
        for (uint256 i = 0; i < vectors.length; i++) {
            if (keccak256(bytes(vectors[i].name)) == keccak256(bytes(name))) return vectors[i];
        }
        revert(string.concat("no vector ", name));
    }

    function _replay(string memory name) internal view returns (bytes32 post) {
        StepVector memory v = _named(name);
        post = verifier.step(v.witness, v.proof);
        assertEq(post, v.post, name);
    }

    // ------------------------------------------------------------------ golden vectors

    function testDiff_allGoldenVectors_matchTheTypeScriptVm() public view {
        assertGt(vectors.length, 200);
        for (uint256 i = 0; i < vectors.length; i++) {
            StepVector memory v = vectors[i];
            assertEq(v.proof.length, v.accesses * ACCESS, v.name);
            assertEq(verifier.stateHash(v.witness), v.pre, string.concat(v.name, " pre-state hash"));
            assertEq(verifier.step(v.witness, v.proof), v.post, string.concat(v.name, " ", v.source));
        }
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
        StepVector memory h = _named("halted_isFixedPoint");
        StepVector memory t = _named("trapped_isFixedPoint");
        assertEq(verifier.step(h.witness, ""), verifier.stateHash(h.witness));
        assertEq(VmStatus.statusOf(verifier.step(h.witness, "")), VmStatus.HALTED);
        assertEq(verifier.step(t.witness, ""), verifier.stateHash(t.witness));
        assertEq(VmStatus.statusOf(verifier.step(t.witness, "")), VmStatus.TRAPPED);
    }

    // ------------------------------------------------------------------ gas

    /// @notice The gas goal of the issue: any single step ≤ 100k gas (execution of the step call;
    ///         the proof's calldata is priced by the transaction that carries it, see bench/contracts.ts).
    function test_gas_everyGoldenVector_isAtMost100k() public view {
        uint256 worst;
        for (uint256 i = 0; i < vectors.length; i++) {
            StepVector memory v = vectors[i];
            uint256 g = gasleft();
            verifier.step(v.witness, v.proof);
            g -= gasleft();
            if (g > worst) worst = g;
            assertLe(g, 100_000, v.name);
        }
        assertGt(worst, 20_000); // the measurement sees real work
    }

    // ------------------------------------------------------------------ state hash

    function test_stateHash_isTaggedKeccakWithStatusInTopByte() public view {
        StepVector memory v = _named("halted_isFixedPoint");
        bytes32 d = keccak256(abi.encodePacked(VmLayout.STATE_TAG, v.witness));
        assertEq(verifier.stateHash(v.witness), VmStatus.tag(d, VmStatus.HALTED));
    }

    // ------------------------------------------------------------------ malformed input

    function test_step_shortWitness_revertsWitnessLength() public {
        StepVector memory v = _named("halt_halts");
        bytes memory w = _slice(v.witness, 0, 76);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.WitnessLength.selector, 77, 76));
        verifier.step(w, v.proof);
    }

    function test_stateHash_longWitness_revertsWitnessLength() public {
        bytes memory w = new bytes(78);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.WitnessLength.selector, 77, 78));
        verifier.stateHash(w);
    }

    function test_step_unknownStatus_revertsWitnessStatus() public {
        StepVector memory v = _named("halt_halts");
        bytes memory w = bytes.concat(v.witness);
        w[76] = 0x03;
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.WitnessStatus.selector, 3));
        verifier.step(w, v.proof);
    }

    function test_step_proofForFixedPoint_revertsProofLength() public {
        StepVector memory h = _named("halted_isFixedPoint");
        bytes memory p = _named("halt_halts").proof;
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofLength.selector, 0, p.length));
        verifier.step(h.witness, p);
    }

    function test_step_missingAccess_revertsProofTooShort() public {
        StepVector memory v = _named("storeAcrossLeaves_writesTwoLeaves");
        bytes memory p = _slice(v.proof, 0, 4 * ACCESS);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofTooShort.selector, 4, 5 * ACCESS, 4 * ACCESS));
        verifier.step(v.witness, p);
    }

    function test_step_partialAccess_revertsProofTooShort() public {
        StepVector memory v = _named("halt_halts");
        bytes memory p = _slice(v.proof, 0, 100);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofTooShort.selector, 0, ACCESS, 100));
        verifier.step(v.witness, p);
    }

    function test_step_unusedAccess_revertsProofLength() public {
        StepVector memory v = _named("halt_halts");
        bytes memory p = bytes.concat(v.proof, v.proof);
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.ProofLength.selector, ACCESS, 2 * ACCESS));
        verifier.step(v.witness, p);
    }

    /// @notice A tampered leaf (the value a binary op reads) no longer climbs to the memory root.
    function test_step_tamperedLeaf_revertsLeafMismatch() public {
        StepVector memory v = _named("i32DivByZero_traps");
        bytes memory p = bytes.concat(v.proof);
        p[ACCESS + 31] = bytes1(uint8(p[ACCESS + 31]) ^ 1); // access 1: slot sp-1
        vm.expectPartialRevert(StepVerifier.LeafMismatch.selector);
        verifier.step(v.witness, p);
    }

    /// @notice A tampered sibling of a later access (after a write moved the root) is caught too.
    function test_step_tamperedSiblingAfterWrite_revertsLeafMismatch() public {
        StepVector memory v = _named("storeAcrossLeaves_writesTwoLeaves");
        bytes memory p = bytes.concat(v.proof);
        p[4 * ACCESS + 32 + 5] = bytes1(uint8(p[4 * ACCESS + 32 + 5]) ^ 0x80); // access 4, sibling 0
        vm.expectPartialRevert(StepVerifier.LeafMismatch.selector);
        verifier.step(v.witness, p);
    }

    /// @notice A proof taken against another memory root is refused at its first access.
    function test_step_wrongRoot_revertsLeafMismatchWithBothRoots() public {
        StepVector memory v = _named("halt_halts");
        bytes memory w = bytes.concat(v.witness);
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
        uint256 pc = uint256(uint32(bytes4(_slice(v.witness, 32, 4))));
        uint256 leafIndex = (VmLayout.CODE_BASE + VmLayout.INSTR_BYTES * pc) / 32;
        vm.expectRevert(abi.encodeWithSelector(StepVerifier.LeafMismatch.selector, 0, leafIndex, root, trueRoot));
        verifier.step(w, p);
        leaf; // the leaf itself is untouched
    }

    /// @notice Soundness of the proof check: flipping any bit of any access (leaf or sibling) of any
    ///         vector makes the step revert; it can never yield another post-state.
    function testFuzz_step_anyFlippedProofBit_reverts(uint256 which, uint256 pos, uint8 bit) public {
        StepVector memory v = vectors[bound(which, 0, vectors.length - 1)];
        vm.assume(v.proof.length > 0);
        bytes memory p = bytes.concat(v.proof);
        pos = bound(pos, 0, p.length - 1);
        p[pos] = bytes1(uint8(p[pos]) ^ uint8(1 << (bit % 8)));
        vm.expectPartialRevert(StepVerifier.LeafMismatch.selector);
        verifier.step(v.witness, p);
    }

    /// @notice Any change of a running witness's registers or root changes the post-state or reverts.
    function testFuzz_step_flippedWitnessBit_neverGivesThePostState(uint256 which, uint256 pos, uint8 bit) public view {
        StepVector memory v = vectors[bound(which, 0, vectors.length - 1)];
        bytes memory w = bytes.concat(v.witness);
        pos = bound(pos, 0, 76);
        w[pos] = bytes1(uint8(w[pos]) ^ uint8(1 << (bit % 8)));
        try verifier.step(w, v.proof) returns (bytes32 post) {
            assertNotEq(post, v.post, v.name);
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
