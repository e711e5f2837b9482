/**
 * `opml deploy`: the opML system (StepVerifier, PhaseBoundary, DisputeGame, OpmlOracle) on any EVM
 * chain. Contracts recorded in the deployment file for the same chain, or named with --reuse, are
 * reused once their runtime code is checked; the rest are deployed. The plan (chain, deployer,
 * balance, parameters, each contract's address and action) is printed before anything is sent;
 * the deployment file (`.opml/deployment.json`) is written at the end, for the other commands.
 */
import { existsSync, readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  createPublicClient,
  createWalletClient,
  formatEther,
  formatGwei,
  getAddress,
  http,
  isAddress,
  isHex,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devChain } from "../chain/devClients.ts";
import {
  DEFAULT_DEPLOYMENT_FILE,
  DeploymentFileError,
  readDeploymentFile,
  writeDeploymentFile,
  type DeploymentFile,
} from "../chain/deploymentFile.ts";
import { decryptKeystoreFile } from "../chain/keystore.ts";
import { executeDeployment, planDeployment, type DeploymentPlan } from "../chain/systemDeployment.ts";
import { checkSystemParams, DEFAULT_SYSTEM_PARAMS, systemContracts, type SystemParams } from "../chain/systemParams.ts";
import { probeChain } from "./chainTarget.ts";
import { BadInputError, ChainError } from "./errors.ts";

interface DeployFlags extends Omit<SystemParams, "k"> {
  rpcUrl?: string;
  privateKey?: string;
  keystore?: string;
  passwordFile?: string;
  password?: string;
  out: string;
  reuse: string[];
  fresh?: boolean;
  dryRun?: boolean;
  json?: boolean;
  pollMs: number;
  /** SystemParams.k. */
  arity: bigint;
}

/** The deployer's balance is zero while there is something to deploy. */
export class DeployerUnfundedError extends ChainError {
  override name = "DeployerUnfundedError";
}

const whole = (value: string): bigint => {
  if (!/^\d{1,20}$/.test(value)) throw new InvalidArgumentError("must be a whole number.");
  return BigInt(value);
};

/** The signing key from --private-key or --keystore (with its password); every problem at once. */
function signingKey(flags: DeployFlags, problems: string[]): Hex | undefined {
  if (flags.privateKey !== undefined && flags.keystore !== undefined) {
    problems.push("give one of --private-key and --keystore, not both");
    return undefined;
  }
  if (flags.privateKey !== undefined) {
    if (isHex(flags.privateKey, { strict: true }) && flags.privateKey.length === 66) return flags.privateKey;
    problems.push("--private-key is not a 32-byte 0x hex key (value not shown)");
    return undefined;
  }
  if (flags.keystore === undefined) {
    problems.push("a signing key is needed: --keystore <file> (or OPML_KEYSTORE) or --private-key (OPML_PRIVATE_KEY)");
    return undefined;
  }
  let password = flags.password;
  if (flags.passwordFile !== undefined) {
    if (!existsSync(flags.passwordFile)) {
      problems.push(`--password-file ${flags.passwordFile}: no such file`);
      return undefined;
    }
    password = readFileSync(flags.passwordFile, "utf8").split(/\r?\n/)[0] ?? "";
  }
  if (password === undefined) {
    problems.push("--keystore needs its password: --password-file <file> or OPML_KEYSTORE_PASSWORD");
    return undefined;
  }
  return problems.length === 0 ? decryptKeystoreFile(flags.keystore, password) : undefined;
}

/** `--reuse Name=0x…` entries as a map; problems collected. */
function reuseFlags(entries: readonly string[], problems: string[]): Record<string, Address> {
  const out: Record<string, Address> = {};
  for (const e of entries) {
    const m = /^([A-Za-z_]\w*)=(0x[0-9a-fA-F]{40})$/.exec(e);
    if (!m || !isAddress(m[2]!, { strict: false })) problems.push(`--reuse ${JSON.stringify(e)} is not Name=0xaddress`);
    else out[m[1]!] = getAddress(m[2]);
  }
  return out;
}

function paramsOf(flags: DeployFlags): SystemParams {
  return {
    k: flags.arity,
    stepDepth: flags.stepDepth,
    clockBudget: flags.clockBudget,
    phase2Extension: flags.phase2Extension,
    stepExtension: flags.stepExtension,
    burnBps: flags.burnBps,
    requestTimeout: flags.requestTimeout,
  };
}

/** The previous deployment on this chain, if the file records one; another chain's is refused. */
function previousDeployment(flags: DeployFlags, chainId: number): DeploymentFile | undefined {
  if (flags.fresh || !existsSync(flags.out)) return undefined;
  const prev = readDeploymentFile(flags.out);
  if (prev.chainId !== chainId)
    throw new DeploymentFileError(
      flags.out,
      `${flags.out} records a deployment on chain ${prev.chainId}, not on this chain ${chainId}`,
      "pass --out <another file> to keep it, or --fresh to replace it",
    );
  return prev;
}

function formatPlan(plan: DeploymentPlan, p: SystemParams, balance: bigint, gasPrice: bigint, rpcUrl: string) {
  return [
    `Chain ${plan.chainId} at ${rpcUrl}; deployer ${plan.deployer} (balance ${formatEther(balance)} ETH, nonce ${plan.nonce}, gas price ${formatGwei(gasPrice)} gwei).`,
    `DisputeGame: k ${p.k}, step depth ${p.stepDepth}, clock ${p.clockBudget} s, phase-2 extension ${p.phase2Extension} s, step extension ${p.stepExtension} s.`,
    `OpmlOracle: burn ${p.burnBps} bps of a loser's bond, request timeout ${p.requestTimeout} s.`,
    ...plan.contracts.map(
      (c) =>
        `  ${c.spec.name.padEnd(14)} ${c.address}  ${c.action === "reuse" ? "reuse (runtime code checked)" : "deploy"}`,
    ),
  ];
}

async function deployAction(flags: DeployFlags): Promise<void> {
  const problems: string[] = [];
  if (flags.rpcUrl === undefined) problems.push("--rpc-url (or OPML_RPC_URL) is needed");
  const reuse = reuseFlags(flags.reuse, problems);
  const key = signingKey(flags, problems);
  if (problems.length > 0 || key === undefined || flags.rpcUrl === undefined)
    throw new BadInputError(`opml deploy: ${problems.join("; ")}`, { details: "see `opml deploy --help`" });
  const params = paramsOf(flags);
  checkSystemParams(params);
  const rpcUrl = flags.rpcUrl;
  const account = privateKeyToAccount(key);

  const { chainId } = await probeChain(rpcUrl);
  const chain = devChain(rpcUrl, chainId);
  const transport = http(rpcUrl, { timeout: 30_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: flags.pollMs });
  const walletClient = createWalletClient({ chain, transport, account, pollingInterval: flags.pollMs });

  const prev = previousDeployment(flags, chainId);
  const specs = systemContracts(params);
  const fromFile = Object.fromEntries(
    specs.flatMap((s) => (prev?.contracts[s.name] ? [[s.name, prev.contracts[s.name]!] as const] : [])),
  );
  const log = (line: string) => console.error(line);
  const plan = await planDeployment(publicClient, account.address, specs, { ...fromFile, ...reuse }, log);
  const [balance, gasPrice] = await Promise.all([
    publicClient.getBalance({ address: account.address }),
    publicClient.getGasPrice(),
  ]);
  const report = formatPlan(plan, params, balance, gasPrice, rpcUrl);
  const toDeploy = plan.contracts.filter((c) => c.action === "deploy").length;
  if (flags.dryRun) {
    console.log([...report, `Dry run: ${toDeploy} contract(s) would be deployed; nothing sent.`].join("\n"));
    return;
  }
  console.error(report.join("\n"));
  if (toDeploy > 0 && balance === 0n)
    throw new DeployerUnfundedError(`the deployer ${account.address} has no funds on chain ${chainId}`, {
      details: `need: gas for ${toDeploy} contract deployment(s) at ${formatGwei(gasPrice)} gwei; have: 0 wei`,
    });

  const result = await executeDeployment({ publicClient, walletClient }, plan, log);
  const reusedFromFile = plan.contracts.some((c) => c.action === "reuse" && fromFile[c.spec.name] === c.address);
  const candidates = [
    ...(result.firstBlock !== undefined ? [result.firstBlock] : []),
    ...(prev && reusedFromFile ? [BigInt(prev.deployedAt)] : []),
  ];
  const deployedAt =
    candidates.length > 0 ? candidates.reduce((a, b) => (a < b ? a : b)) : await publicClient.getBlockNumber(); // every contract named by --reuse: from this run on
  const file: DeploymentFile = {
    version: 1,
    chainId,
    contracts: Object.fromEntries(result.contracts.map((c) => [c.name, c.address])),
    deployedAt: Number(deployedAt),
    params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
  };
  const path = writeDeploymentFile(file, flags.out);
  if (flags.json) {
    console.log(
      JSON.stringify(
        {
          ...file,
          file: path,
          actions: result.contracts.map((c) => ({
            name: c.name,
            address: c.address,
            action: c.action,
            ...(c.txHash ? { tx: c.txHash, gasUsed: String(c.gasUsed) } : {}),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    [
      `Deployed on chain ${chainId} (from block ${deployedAt}):`,
      ...result.contracts.map(
        (c) =>
          `  ${c.name.padEnd(14)} ${c.address}  ${c.action === "reuse" ? "reused" : `deployed, tx ${c.txHash}, gas ${c.gasUsed}`}`,
      ),
      `Wrote ${path}.`,
    ].join("\n"),
  );
}

/** A system parameter's option: a whole number, its default shown as is (a bigint has no JSON). */
const param = (flags: string, description: string, value: bigint) =>
  new Option(flags, description).argParser(whole).default(value, String(value));

export function registerDeployCommand(program: Command): void {
  const d = DEFAULT_SYSTEM_PARAMS;
  program
    .command("deploy")
    .description(
      "Deploy the opML contracts to any EVM chain (or reuse those already there, their code checked) and write the deployment file.",
    )
    .addOption(new Option("--rpc-url <url>", "JSON-RPC endpoint of the chain").env("OPML_RPC_URL"))
    .addOption(new Option("--keystore <file>", "encrypted key file (Web3 Secret Storage v3)").env("OPML_KEYSTORE"))
    .option("--password-file <file>", "file whose first line is the keystore's password")
    .addOption(new Option("--password <password>", "the keystore's password").env("OPML_KEYSTORE_PASSWORD").hideHelp())
    .addOption(
      new Option("--private-key <hex>", "deployer key, 0x hex (shows in `ps`: prefer --keystore)").env(
        "OPML_PRIVATE_KEY",
      ),
    )
    .option("--out <file>", "the deployment file to write (and to reuse contracts from)", DEFAULT_DEPLOYMENT_FILE)
    .option(
      "--reuse <Name=address...>",
      "reuse this contract at this address (its runtime code is checked)",
      (v: string, prev: string[]) => [...prev, ...v.split(",").filter(Boolean)],
      [] as string[],
    )
    .option("--fresh", "deploy every contract anew, ignoring the deployment file")
    .addOption(param("--arity <k>", "DisputeGame: bisection arity, 2..64", d.k))
    .addOption(
      param("--step-depth <D>", "DisputeGame: level-2 depth, 32..62 (2^D ≥ the VM's 2^32 step limit)", d.stepDepth),
    )
    .addOption(param("--clock-budget <s>", "DisputeGame: seconds on each side's clock (> 0)", d.clockBudget))
    .addOption(param("--phase2-extension <s>", "DisputeGame: seconds granted for opening phase 2", d.phase2Extension))
    .addOption(param("--step-extension <s>", "DisputeGame: seconds granted for the final step", d.stepExtension))
    .addOption(param("--burn-bps <bps>", "OpmlOracle: share of a loser's bond burned, 1000..10000", d.burnBps))
    .addOption(
      param(
        "--request-timeout <s>",
        "OpmlOracle: seconds before an unclaimed request may be cancelled",
        d.requestTimeout,
      ),
    )
    .option("--poll-ms <ms>", "how often to poll for receipts", (v: string) => Number(whole(v)), 1000)
    .option("--dry-run", "check everything and print the plan; send nothing")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
The plan (chain id, deployer, balance, parameters, each contract's address and whether it is
deployed or reused) is printed before anything is sent. A contract is reused when the deployment
file records it for the same chain, or --reuse names it; its runtime code must be exactly what
this build deploys there with these parameters (ContractMismatchError naming the contract and the
address otherwise). Parameters the constructors would refuse are reported at once
(SystemParamsError). The deployment file records { version, chainId, contracts, deployedAt, params }.

Examples:
  $ opml deploy --rpc-url https://rpc.example --keystore deployer.json --password-file pw.txt --dry-run
  $ opml deploy --rpc-url https://rpc.example --keystore deployer.json --password-file pw.txt
  $ opml deploy --rpc-url http://127.0.0.1:8545 --private-key 0x… --clock-budget 3600 --arity 16
  $ opml deploy --rpc-url … --keystore … --reuse StepVerifier=0x…,PhaseBoundary=0x…   # deploy the rest`,
    )
    .action(deployAction);
}
