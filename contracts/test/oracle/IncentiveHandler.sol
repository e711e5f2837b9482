// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GameHarness} from "../game/GameHarness.sol";
import {ToyVm} from "../game/ToyVm.sol";
import {OpmlOracle} from "../../src/oracle/OpmlOracle.sol";
import {IOpmlOracle} from "../../src/interfaces/IOpmlOracle.sol";
import {DisputeGame} from "../../src/game/DisputeGame.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";

/// @notice Actor handler for the incentive invariants, at the lowest burn a deployment may pick.
///         Actors: a dapp; a liar that only submits lies and its sock, a second address that
///         challenges the liar's claims (a colluding pair) and wins those games either at once
///         (the liar plays its lie straight into the step it loses) or when the liar lets its own
///         clock run out; an honest submitter; an honest watchtower that challenges every lie at
///         once and then moves at once or, in half its games, as late as its clock allows; a
///         griefer that challenges anything, picks at random and may be lazy.
///
///         The attack of protocol.md §8.4 is the ordering "a sock game ends first and rejects the
///         claim while a watchtower game on it is still open, which the watchtower then wins":
///         `attackOrderings` counts it. `drain` plays every open game to its end under the same
///         policies, so a run's last games are settled and checked too.
contract IncentiveHandler is GameHarness {
    uint256 internal constant N = 4;
    uint256 internal constant MAX_WARP = 12 hours; // the most one `warp` moves time
    uint256 internal constant D = 4;
    uint256 internal constant STEPS = 16;
    uint64 internal constant WINDOW = 1 days;
    uint96 internal constant SUB_BOND = 1 ether;
    uint96 internal constant CH_BOND = 0.5 ether;

    address internal constant DAPP = address(0xDA77);
    address internal constant LIAR = address(0x11A2);
    address internal constant SOCK = address(0x50C0);
    address internal constant HSUB = address(0x5B);
    address internal constant WATCH = address(0x3A7C);
    address internal constant GRIEF = address(0x6E1F);

    DisputeGame public game;
    OpmlOracle public oracle;
    uint256 public modelId;

    uint256[] public requestIds;
    uint256[] public claimIds;
    uint256[] public gameIds;
    mapping(uint256 => Party) internal claimParty;
    mapping(uint256 => Party) internal challengerParty;
    mapping(uint256 => uint256) public gameClaim;
    mapping(uint256 => bool) internal seenEnded;
    mapping(uint256 => bool) internal lazyWatch; // watchtower games in which it moves as late as it may
    mapping(uint256 => bool) internal quickSock; // sock games the liar loses at once by playing on
    mapping(uint256 => uint256) public rejectedBy; // claim => the game whose end rejected it

    mapping(address => uint256) public deposited;
    mapping(address => uint256) public withdrawn;
    uint256 public watchUnderpaid; // settled watchtower games credited less than their bond
    uint256 public watchLosses;
    uint256 public watchGamesSettled; // coverage
    uint256 public sockWins; // coverage: games the colluding pair ended themselves
    uint256 public sockFirstRejections; // coverage: claims a sock game rejected under an open watchtower game
    uint256 public attackOrderings; // coverage: watchtower wins on a claim a sock game rejected first
    uint256 public lazyWatchMoves; // coverage: watchtower moves it delayed to near its deadline

    constructor() {
        _deployToys();
        moveDelay = 0;
        game = _newGame(3, D);
        oracle = new OpmlOracle(game, 1000, 7 days);
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
        address[6] memory a = actors();
        for (uint256 i = 0; i < a.length; ++i) {
            vm.deal(a[i], 10_000 ether);
        }
    }

    function actors() public pure returns (address[6] memory) {
        return [DAPP, LIAR, SOCK, HSUB, WATCH, GRIEF];
    }

    /// @notice Wei held for open business: fees of live requests, bond and held winnings of active
    ///         claims, bonds of unsettled games, the share each unsettled game on a rejected claim
    ///         is owed.
    function held() public view returns (uint256 h) {
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

    /// @notice The colluding pair's net if every bond it may still get back came back: credited
    ///         and withdrawn, less deposited, plus the bonds (and owed shares) of the sock's
    ///         unsettled games.
    function liarNet() external view returns (int256) {
        uint256 back = oracle.payouts(LIAR) + oracle.payouts(SOCK) + withdrawn[LIAR] + withdrawn[SOCK];
        for (uint256 i = 0; i < gameIds.length; ++i) {
            (uint256 claimId, address ch, uint256 bond, bool settled) = oracle.getGameRecord(gameIds[i]);
            if (settled || ch != SOCK) continue;
            back += bond;
            if (oracle.getClaim(claimId).status == IOpmlOracle.ClaimStatus.Rejected) back += oracle.claimHeld(claimId);
        }
        return int256(back) - int256(deposited[LIAR] + deposited[SOCK]);
    }

    // ------------------------------------------------------------------ actions

    function request() external {
        uint256 fee = oracle.estimateFee(modelId, 0);
        bytes memory inp = world.INPUT();
        vm.prank(DAPP);
        requestIds.push(oracle.requestInference{value: fee}(modelId, inp, address(0), 0, ""));
    }

    /// @notice The liar lies on an open request; the sock may challenge first (and the liar may
    ///         mean to lose that game at once); the watchtower challenges at once and may then
    ///         delay its moves.
    function submitLie(uint256 seed) external {
        _lie(_openRequest(seed), seed);
    }

    /// @notice The attack, opened on a fresh request: a lie, a sock challenge the liar means to
    ///         lose at once, then a watchtower challenge it plays as late as it may. Not fuzzed:
    ///         a run that never opened it gets it before `drain`.
    function openAttack() external {
        uint256 fee = oracle.estimateFee(modelId, 0);
        bytes memory inp = world.INPUT();
        vm.prank(DAPP);
        uint256 id = oracle.requestInference{value: fee}(modelId, inp, address(0), 0, "");
        requestIds.push(id);
        _lie(id, (1 << 48) | (3 << 24) | (1 << 16)); // lie in node 1, step 3
    }

    function _lie(uint256 id, uint256 seed) internal {
        if (id == 0) return;
        Party memory p = liar(LIAR, (seed >> 16) % N, (seed >> 24) % (STEPS + 1));
        _submit(id, p);
        if ((seed >> 40) % 2 == 0) quickSock[_challenge(id, honest(SOCK))] = (seed >> 48) % 4 != 0;
        lazyWatch[_challenge(id, honest(WATCH))] = (seed >> 56) % 2 == 0;
    }

    function submitTruth(uint256 seed) external {
        uint256 id = _openRequest(seed);
        if (id == 0) return;
        _submit(id, honest(HSUB));
    }

    /// @notice The sock challenges the liar's active claim (again).
    function sockChallenge(uint256 seed) external {
        uint256 id = _claimedRequest(seed);
        if (id == 0) return;
        if (oracle.getClaim(oracle.getRequest(id).activeClaimId).submitter != LIAR) return;
        quickSock[_challenge(id, honest(SOCK))] = seed % 2 == 0;
    }

    /// @notice The griefer challenges any active claim and picks sub-segments at random.
    function griefChallenge(uint256 seed) external {
        uint256 id = _claimedRequest(seed);
        if (id == 0) return;
        _challenge(id, randomChallenger(GRIEF, seed >> 8));
    }

    function advance(uint256 seed) external {
        if (gameIds.length == 0) return;
        uint256 before = _watchCredit();
        _moveOnce(gameIds[seed % gameIds.length]);
        _checkWatch(before);
    }

    function warp(uint256 secs) external {
        _warp(bound(secs, 1, MAX_WARP));
    }

    function timeout(uint256 seed) external {
        if (gameIds.length == 0) return;
        _timeout(gameIds[seed % gameIds.length]);
    }

    /// @notice Plays every open game to its end under the actors' policies: moves, time in
    ///         `MAX_WARP` steps, timeouts. Called after a run, not by the fuzzer.
    /// @return open Games still in progress afterwards (0 unless a policy stalls forever).
    function drain() external returns (uint256 open) {
        for (uint256 round = 0; round < 64; ++round) {
            open = 0;
            for (uint256 i = 0; i < gameIds.length; ++i) {
                _timeout(gameIds[i]);
                if (game.statusOf(gameIds[i]) == IDisputeGame.Status.InProgress) ++open;
            }
            if (open == 0) return 0;
            _warp(MAX_WARP);
        }
    }

    function finalize(uint256 seed) external {
        uint256 id = _claimedRequest(seed);
        if (id == 0) return;
        IOpmlOracle.ClaimView memory c = oracle.getClaim(oracle.getRequest(id).activeClaimId);
        if (block.timestamp < uint256(c.submittedAt) + WINDOW || c.openGames != 0) return;
        oracle.finalize(id);
    }

    function withdraw(uint256 seed) external {
        address a = actors()[seed % 6];
        uint256 amount = oracle.payouts(a);
        if (amount == 0) return;
        vm.prank(a);
        oracle.withdraw();
        withdrawn[a] += amount;
    }

    // ------------------------------------------------------------------ internals

    function _openRequest(uint256 seed) internal view returns (uint256) {
        if (requestIds.length == 0) return 0;
        uint256 id = requestIds[seed % requestIds.length];
        return oracle.getRequest(id).status == IOpmlOracle.RequestStatus.Open ? id : 0;
    }

    function _claimedRequest(uint256 seed) internal view returns (uint256) {
        if (requestIds.length == 0) return 0;
        uint256 id = requestIds[seed % requestIds.length];
        IOpmlOracle.RequestView memory r = oracle.getRequest(id);
        if (r.status != IOpmlOracle.RequestStatus.Claimed) return 0;
        IOpmlOracle.ClaimView memory c = oracle.getClaim(r.activeClaimId);
        if (block.timestamp >= uint256(c.submittedAt) + WINDOW) return 0;
        return id;
    }

    function _submit(uint256 id, Party memory p) internal {
        (bytes32 sN, bytes memory out, bytes32[] memory proof) = world.claim(N, STEPS, p.lieNode, p.lieStep);
        vm.roll(block.number + 1); // never in the block of a rejection
        vm.prank(p.addr);
        uint256 claimId = oracle.submitClaim{value: SUB_BOND}(id, sN, out, proof);
        deposited[p.addr] += SUB_BOND;
        claimIds.push(claimId);
        claimParty[claimId] = p;
    }

    function _challenge(uint256 id, Party memory p) internal returns (uint256 gameId) {
        uint256 claimId = oracle.getRequest(id).activeClaimId;
        vm.prank(p.addr);
        gameId = oracle.challenge{value: CH_BOND}(id);
        deposited[p.addr] += CH_BOND;
        gameIds.push(gameId);
        challengerParty[gameId] = p;
        gameClaim[gameId] = claimId;
    }

    function _watchCredit() internal view returns (uint256) {
        return oracle.payouts(WATCH) + withdrawn[WATCH];
    }

    /// @dev Every watchtower game that ended since `before` was credited at least its bond.
    function _checkWatch(uint256 before) internal {
        uint256 ended;
        for (uint256 i = 0; i < gameIds.length; ++i) {
            uint256 gameId = gameIds[i];
            if (seenEnded[gameId] || game.statusOf(gameId) == IDisputeGame.Status.InProgress) continue;
            seenEnded[gameId] = true;
            if (challengerParty[gameId].addr == WATCH) {
                ended += 1;
                watchGamesSettled += 1;
                if (game.statusOf(gameId) == IDisputeGame.Status.DefenderWon) watchLosses += 1;
                else if (challengerParty[rejectedBy[gameClaim[gameId]]].addr == SOCK) attackOrderings += 1;
            }
            if (challengerParty[gameId].addr == SOCK && game.statusOf(gameId) == IDisputeGame.Status.ChallengerWon) {
                sockWins += 1;
            }
        }
        if (_watchCredit() - before < ended * CH_BOND) watchUnderpaid += 1;
    }

    function _warp(uint256 secs) internal {
        uint256 before = _watchCredit();
        _responsiveMoves();
        _checkWatch(before);
        vm.warp(block.timestamp + secs);
        vm.roll(block.number + 1);
    }

    function _timeout(uint256 gameId) internal {
        if (game.statusOf(gameId) != IDisputeGame.Status.InProgress) return;
        if (block.timestamp <= game.deadlineOf(gameId)) return;
        uint256 before = _watchCredit();
        game.timeout(gameId);
        _noteRejection(gameId);
        _checkWatch(before);
    }

    /// @dev Records which game's end rejected its claim (only the game just played can have).
    function _noteRejection(uint256 gameId) internal {
        uint256 claimId = gameClaim[gameId];
        if (rejectedBy[claimId] != 0 || game.statusOf(gameId) != IDisputeGame.Status.ChallengerWon) return;
        if (oracle.getClaim(claimId).status != IOpmlOracle.ClaimStatus.Rejected) return;
        rejectedBy[claimId] = gameId;
        if (challengerParty[gameId].addr != SOCK) return;
        for (uint256 i = 0; i < gameIds.length; ++i) {
            uint256 other = gameIds[i];
            if (
                gameClaim[other] == claimId && challengerParty[other].addr == WATCH
                    && game.statusOf(other) == IDisputeGame.Status.InProgress
            ) {
                sockFirstRejections += 1;
                return;
            }
        }
    }

    /// @dev Who moves before time passes: honest parties always, except the watchtower in its lazy
    ///      games, which waits while the next warp cannot take it past its deadline; the liar in
    ///      games against the watchtower and the griefer (it may as well try) and in the sock
    ///      games it means to lose at once, never in its other sock games (it lets its clock run
    ///      out there); the griefer two times in three.
    function _moves(uint256 gameId, bool defenderOnMove) internal returns (bool) {
        Party memory c = challengerParty[gameId];
        if (!defenderOnMove) {
            if (!lazyWatch[gameId]) return !c.random || c.seed % 3 != 0;
            if (game.deadlineOf(gameId) > block.timestamp + MAX_WARP) return false;
            lazyWatchMoves += 1;
            return true;
        }
        Party memory d = claimParty[gameClaim[gameId]];
        if (d.addr == HSUB) return true;
        return c.addr != SOCK || quickSock[gameId];
    }

    function _responsiveMoves() internal {
        for (uint256 i = 0; i < gameIds.length; ++i) {
            uint256 gameId = gameIds[i];
            for (uint256 guard = 0; guard < 64; ++guard) {
                IDisputeGame.GameView memory v = game.getGame(gameId);
                if (v.status != IDisputeGame.Status.InProgress) break;
                bool defenderOnMove = v.phase == IDisputeGame.Phase.Bisect || v.phase == IDisputeGame.Phase.OpenPhase2;
                if (!_moves(gameId, defenderOnMove)) break;
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
            x.c.seed = uint256(keccak256(abi.encode(x.c.seed, v.lo, v.hi, v.level)));
            challengerParty[gameId].seed = x.c.seed;
        }
        if (v.phase == IDisputeGame.Phase.Bisect) _doBisect(x, v);
        else if (v.phase == IDisputeGame.Phase.Choose) _doChoose(x, v);
        else if (v.phase == IDisputeGame.Phase.OpenPhase2) _doOpen(x, v);
        else if (v.phase == IDisputeGame.Phase.Step) _doStep(x, v);
        _noteRejection(gameId);
    }
}
