import { test, before } from "node:test";
import assert from "node:assert/strict";
import { parseAbi, type Abi } from "viem";
import { ensureArtifacts, loadArtifact, SYSTEM_CONTRACTS } from "../../chain/deploy.ts";
import { opmlOracleAbi } from "../abi.ts";
import { disputeGameAbi } from "../gameAbi.ts";

// The SDK's hand-written ABIs against the forge artifacts of the contracts they describe: each
// function, event and error they declare must be in the artifact with the same signature (types,
// tuple field names, event parameter names and `indexed`, state mutability, outputs), and each
// event and error of the artifact must be declared, so that every log and revert decodes by name.
// Functions the SDK does not call (public constants, admin) may be left out.

const CHECKED = [
  { contract: "OpmlOracle", file: "sdk/abi.ts", abi: opmlOracleAbi },
  { contract: "DisputeGame", file: "sdk/gameAbi.ts", abi: disputeGameAbi },
] as const;

const specs = SYSTEM_CONTRACTS.filter((s) => CHECKED.some((c) => c.contract === s.name));

before(async () => {
  await ensureArtifacts(specs); // forge build when the artifacts are missing or the sources changed
});

interface Param {
  type: string;
  name?: string;
  indexed?: boolean;
  components?: readonly Param[];
}
interface Item {
  type: string;
  name?: string;
  inputs?: readonly Param[];
  outputs?: readonly Param[];
  stateMutability?: string;
  anonymous?: boolean;
}

/** A parameter's ABI type, a tuple spelled out with its field names (the keys viem decodes into). */
function typeOf(p: Param): string {
  if (!p.type.startsWith("tuple")) return p.type;
  return `(${(p.components ?? []).map((c) => `${typeOf(c)} ${c.name}`).join(",")})${p.type.slice("tuple".length)}`;
}

/** What must agree between the SDK and the artifact, as one line; undefined for constructors and the like. */
function signature(item: Item): string | undefined {
  const inputs = item.inputs ?? [];
  switch (item.type) {
    case "function":
      return `function ${item.name}(${inputs.map(typeOf).join(",")}) ${item.stateMutability} returns (${(item.outputs ?? []).map(typeOf).join(",")})`;
    case "event":
      return `event ${item.name}(${inputs.map((p) => `${typeOf(p)}${p.indexed ? " indexed" : ""} ${p.name}`).join(",")})${item.anonymous ? " anonymous" : ""}`;
    case "error":
      return `error ${item.name}(${inputs.map(typeOf).join(",")})`;
    default:
      return undefined;
  }
}

/** Each way `declared` departs from `artifact`: a declared item the artifact lacks, or an artifact event or error not declared. */
function abiMismatches(declared: Abi, artifact: Abi): string[] {
  const ours = new Set(declared.map((i) => signature(i as Item)).filter((s) => s !== undefined));
  const theirs = new Set(artifact.map((i) => signature(i as Item)).filter((s) => s !== undefined));
  const out: string[] = [];
  for (const s of ours) if (!theirs.has(s)) out.push(`declared, not in the artifact: ${s}`);
  for (const s of theirs)
    if (!s.startsWith("function ") && !ours.has(s)) out.push(`in the artifact, not declared: ${s}`);
  return out;
}

for (const { contract, file, abi } of CHECKED) {
  test(`${file} matches the forge artifact of ${contract}: every declared function, event and error, every event and error of the contract`, () => {
    const spec = specs.find((s) => s.name === contract)!;
    const artifact = loadArtifact(contract, { source: spec.source });
    assert.deepEqual(abiMismatches(abi, artifact.abi), []);
  });
}

test("the comparison catches a wrong type, a wrong tuple field name, a missing indexed and an undeclared error", () => {
  const spec = specs.find((s) => s.name === "DisputeGame")!;
  const artifact = loadArtifact("DisputeGame", { source: spec.source }).abi;
  const wrong = parseAbi([
    "function k() view returns (uint128)",
    "struct ModelCommitment { bytes32 programRoot; bytes32 graphRoot; bytes32 weightRoot; uint32 nodeCount; }",
    "function openPhase2(uint256 gameId, ModelCommitment model, bytes32 finalVmState, bytes phaseProof, bytes exitProof)",
    "event GameResolved(uint256 gameId, uint8 status, bool byTimeout)",
  ]);
  const found = abiMismatches(wrong, artifact);
  for (const bad of [
    "function k()",
    "weightRoot",
    "event GameResolved(uint256 gameId",
    "not declared: error Reentrancy()",
  ])
    assert.ok(
      found.some((f) => f.includes(bad)),
      `${bad} not reported in ${found.join("\n")}`,
    );
});
