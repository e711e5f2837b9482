// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GameHarness} from "../game/GameHarness.sol";
import {ToyVm} from "../game/ToyVm.sol";
import {OpmlOracle} from "../../src/oracle/OpmlOracle.sol";
import {IOpmlOracle} from "../../src/interfaces/IOpmlOracle.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";

/// @notice Actor handler for the oracle invariants. Actors: a dapp (requests), a submitter that is
///         honest or lies consistently at a random (node, step), an honest watchtower that
///         challenges every lie, and a random adversary that challenges anything and picks
///         sub-segments at random. Honest parties are responsive: before time moves (`warp`) they
///         make every move that is theirs; so are two in three adversaries, the others move only
///         when the fuzzer says so (and may time out).
contract OracleHandler is GameHarness {
    uint256 internal constant N = 4;
    uint256 internal constant D = 4;
    uint256 internal constant STEPS = 16;
    uint64 internal constant WINDOW = 1 days;
    uint96 internal constant SUB_BOND = 1 ether;
    uint96 internal constant CH_BOND = 0.5 ether;

    address internal constant DAPP = address(0xDA77);
    address internal constant ADV = address(0xAD5);

    DisputeGame public game;
    OpmlOracle public oracle;
    uint256 public modelId;

    uint256[] public requestIds;
    uint256[] public claimIds;
    uint256[] public gameIds;
    mapping(uint256 => Party) internal claimParty; // claimId -> submitter strategy
    mapping(uint256 => Party) internal challengerParty; // gameId -> challenger strategy
    mapping(uint256 => uint256) public gameClaim; // gameId -> claimId
    mapping(uint256 => bool) public claimIsHonest;

    uint256 public honestLosses;
    uint256 public finalizedWithOpenGame;
    uint256 public ghostWithdrawn;
    uint256 public gamesEnded; // coverage: games that reached a result
    uint256 public finalizations; // coverage: requests finalized

    constructor() {
        _deployToys();
        moveDelay = 0;
        game = _newGame(3, D);
        oracle = new OpmlOracle(game, 5000, 7 days);
        IOpmlOracle.ModelConfig memory c;
        c.programRoot = programRoot;
        c.graphRoot = keccak256("graph");
        c.weightsRoot = keccak256("weights");
        c.nodeCount = uint32(N);
        c.inputLength = 8;
        c.outputSlot = uint32(ToyVm.outputSlot(N - 1));
        c.outputLength = 32;
        c.challengeWindow = WINDOW;
        c.fee = 0.01 ether;
        c.submitterBond = SUB_BOND;
        c.challengerBond = CH_BOND;
        modelId = oracle.registerModel(c);
        vm.deal(DAPP, 1_000 ether);
        vm.deal(DEF, 1_000 ether);
        vm.deal(CHAL, 1_000 ether);
        vm.deal(ADV, 1_000 ether);
    }

    function actors() public pure returns (address[4] memory) {
        return [DAPP, DEF, CHAL, ADV];
    }

    function counts() external view returns (uint256, uint256, uint256) {
        return (requestIds.length, claimIds.length, gameIds.length);
    }

    /// @notice Wei the oracle holds for open business: fees of live requests, bonds of active
    ///         claims and the won bonds they hold, bonds of unsettled games, and the share each
    ///         unsettled game against a rejected claim is owed.
    function held() external view returns (uint256 h) {
        for (uint256 i = 0; i < requestIds.length; ++i) {
            IOpmlOracle.RequestView memory r = oracle.getRequest(requestIds[i]);
            if (r.status == IOpmlOracle.RequestStatus.Open || r.status == IOpmlOracle.RequestStatus.Claimed) {
                h += r.fee;
            }
        }
        for (uint256 i = 0; i < claimIds.length; ++i) {
            IOpmlOracle.ClaimView memory c = oracle.getClaim(claimIds[i]);
            if (c.status == IOpmlOracle.ClaimStatus.Active) h += c.bond + oracle.claimHeld(claimIds[i]);
        }
        for (uint256 i = 0; i < gameIds.length; ++i) {
            (uint256 claimId,, uint256 bond, bool settled) = oracle.getGameRecord(gameIds[i]);
            if (settled) continue;
            h += bond;
            if (oracle.getClaim(claimId).status == IOpmlOracle.ClaimStatus.Rejected) h += oracle.claimHeld(claimId);
        }
    }

    // ------------------------------------------------------------------ actions

    function request() external {
        uint256 fee = oracle.estimateFee(modelId, 0);
        bytes memory inp = world.INPUT();
        vm.prank(DAPP);
        requestIds.push(oracle.requestInference{value: fee}(modelId, inp, address(0), 0, ""));
    }

    function submitClaim(uint256 seed) external {
        if (requestIds.length == 0) return;
        uint256 id = requestIds[seed % requestIds.length];
        if (oracle.getRequest(id).status != IOpmlOracle.RequestStatus.Open) return;
        bool honestClaim = (seed >> 8) % 2 == 0;
        Party memory p = honestClaim ? honest(DEF) : liar(DEF, (seed >> 16) % N, (seed >> 24) % (STEPS + 1));
        p.seed = seed >> 32; // a lying submitter is lazy (moves only when the fuzzer says) if seed % 3 == 0
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, p.lieNode, p.lieStep);
        vm.roll(block.number + 1);
        vm.prank(DEF);
        uint256 claimId = oracle.submitClaim{value: SUB_BOND}(id, sN, out, proof);
        claimIds.push(claimId);
        claimParty[claimId] = p;
        claimIsHonest[claimId] = honestClaim;
    }

    function challenge(uint256 seed) external {
        if (requestIds.length == 0) return;
        uint256 id = requestIds[seed % requestIds.length];
        IOpmlOracle.RequestView memory r = oracle.getRequest(id);
        if (r.status != IOpmlOracle.RequestStatus.Claimed) return;
        IOpmlOracle.ClaimView memory c = oracle.getClaim(r.activeClaimId);
        if (block.timestamp >= uint256(c.submittedAt) + WINDOW) return;
        // The watchtower challenges lies; the adversary challenges anything.
        bool byWatchtower = !claimIsHonest[r.activeClaimId] && (seed >> 8) % 2 == 0;
        Party memory p = byWatchtower ? honest(CHAL) : randomChallenger(ADV, seed >> 16);
        vm.prank(p.addr);
        uint256 gameId = oracle.challenge{value: CH_BOND}(id);
        gameIds.push(gameId);
        challengerParty[gameId] = p;
        gameClaim[gameId] = r.activeClaimId;
    }

    /// @notice One move in a random open game, by whoever is on move (adversaries included).
    function advance(uint256 seed) external {
        if (gameIds.length == 0) return;
        uint256 gameId = gameIds[seed % gameIds.length];
        _moveOnce(gameId);
    }

    function warp(uint256 secs) external {
        _responsiveMoves();
        vm.warp(block.timestamp + bound(secs, 1, 12 hours));
    }

    function timeout(uint256 seed) external {
        if (gameIds.length == 0) return;
        uint256 gameId = gameIds[seed % gameIds.length];
        if (game.statusOf(gameId) != IDisputeGame.Status.InProgress) return;
        if (block.timestamp <= game.deadlineOf(gameId)) return;
        game.timeout(gameId);
        _record(gameId);
    }

    function finalize(uint256 seed) external {
        if (requestIds.length == 0) return;
        uint256 id = requestIds[seed % requestIds.length];
        IOpmlOracle.RequestView memory r = oracle.getRequest(id);
        if (r.status != IOpmlOracle.RequestStatus.Claimed) return;
        IOpmlOracle.ClaimView memory c = oracle.getClaim(r.activeClaimId);
        if (block.timestamp < uint256(c.submittedAt) + WINDOW || c.openGames != 0) return;
        oracle.finalize(id);
        finalizations += 1;
        for (uint256 i = 0; i < gameIds.length; ++i) {
            if (gameClaim[gameIds[i]] == r.activeClaimId && game.statusOf(gameIds[i]) == IDisputeGame.Status.InProgress)
            {
                finalizedWithOpenGame += 1;
            }
        }
    }

    function withdraw(uint256 seed) external {
        address a = actors()[seed % 4];
        uint256 amount = oracle.payouts(a);
        if (amount == 0) return;
        vm.prank(a);
        oracle.withdraw();
        ghostWithdrawn += amount;
    }

    // ------------------------------------------------------------------ internals

    function _isHonest(Party memory p) internal pure returns (bool) {
        return !p.random && p.lieNode == HONEST;
    }

    /// @dev Responsive parties move whenever time is about to pass: every honest party, and the
    ///      adversaries whose seed makes them diligent; lazy adversaries may let their clocks run out.
    function _responsive(Party memory p) internal pure returns (bool) {
        return _isHonest(p) || p.seed % 3 != 0;
    }

    function _responsiveMoves() internal {
        for (uint256 i = 0; i < gameIds.length; ++i) {
            uint256 gameId = gameIds[i];
            for (uint256 guard = 0; guard < 64; ++guard) {
                IDisputeGame.GameView memory v = game.getGame(gameId);
                if (v.status != IDisputeGame.Status.InProgress) break;
                bool defenderOnMove = v.phase == IDisputeGame.Phase.Bisect || v.phase == IDisputeGame.Phase.OpenPhase2;
                Party memory mover = defenderOnMove ? claimParty[gameClaim[gameId]] : challengerParty[gameId];
                if (!_responsive(mover)) break;
                _moveOnce(gameId);
            }
        }
    }

    function _moveOnce(uint256 gameId) internal {
        IDisputeGame.GameView memory v = game.getGame(gameId);
        if (v.status != IDisputeGame.Status.InProgress) return;
        if (block.timestamp > game.deadlineOf(gameId)) return;
        Ctx memory x;
        x.game = game;
        x.gameId = gameId;
        x.d = claimParty[gameClaim[gameId]];
        x.c = challengerParty[gameId];
        x.steps = STEPS;
        x.n = N;
        x.gd = _graph(x.d, N, STEPS);
        x.gc = _graph(x.c, N, STEPS);
        x.model = _model(N);
        if (x.c.random) {
            // A fresh pseudo-random pick per move, reproducible from the game state.
            x.c.seed = uint256(keccak256(abi.encode(x.c.seed, v.lo, v.hi, v.level)));
            challengerParty[gameId].seed = x.c.seed;
        }
        if (v.phase == IDisputeGame.Phase.Bisect) _doBisect(x, v);
        else if (v.phase == IDisputeGame.Phase.Choose) _doChoose(x, v);
        else if (v.phase == IDisputeGame.Phase.OpenPhase2) _doOpen(x, v);
        else if (v.phase == IDisputeGame.Phase.Step) _doStep(x, v);
        _record(gameId);
    }

    /// @dev After a game ends: an honest party must never have lost it.
    function _record(uint256 gameId) internal {
        IDisputeGame.Status s = game.statusOf(gameId);
        if (s == IDisputeGame.Status.InProgress) return;
        gamesEnded += 1;
        bool defenderWon = s == IDisputeGame.Status.DefenderWon;
        if (claimIsHonest[gameClaim[gameId]] && !defenderWon) honestLosses += 1;
        if (_isHonest(challengerParty[gameId]) && defenderWon) honestLosses += 1;
    }
}
