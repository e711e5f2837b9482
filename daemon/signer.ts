/**
 * The signing account a configuration names: a raw `privateKey`, a `keystore` file (password from
 * `passwordFile` or OPML_KEYSTORE_PASSWORD) or a remote `signerUrl` (`signerAddress` to pick one of
 * its accounts). {@link signerProblems} checks what can be checked without the chain, all at once;
 * {@link signerAccount} opens the key.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { getAddress, isAddress, isHex, type Account } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decryptKeystore, parseKeystore } from "../chain/keystore.ts";
import { remoteSignerAccount } from "../chain/remoteSigner.ts";
import type { ResolvedConfig } from "./config.ts";

/** The environment variable a keystore's password may come from. */
export const PASSWORD_ENV = "OPML_KEYSTORE_PASSWORD";

const SIGNER_FLAGS = { privateKey: "--private-key", keystore: "--keystore", signerUrl: "--signer-url" } as const;

/** Which of the three ways of signing the configuration gives. */
export function signersGiven(cfg: ResolvedConfig): (keyof typeof SIGNER_FLAGS)[] {
  return (Object.keys(SIGNER_FLAGS) as (keyof typeof SIGNER_FLAGS)[]).filter((k) => cfg.values[k] !== undefined);
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Everything wrong with the signer settings, as sentences; `needed`: a command that must sign. */
export function signerProblems(cfg: ResolvedConfig, needed: boolean, env: NodeJS.ProcessEnv = process.env): string[] {
  const v = cfg.values;
  const problems: string[] = [];
  const given = signersGiven(cfg);
  if (given.length > 1) problems.push(`give one way to sign, not ${given.map((k) => SIGNER_FLAGS[k]).join(" and ")}`);
  if (given.length === 0 && needed)
    problems.push("a signing key is needed: --keystore <file>, --signer-url <url> or --private-key <0x…>");
  const key = v.privateKey as string | undefined;
  if (key !== undefined && !(isHex(key, { strict: true }) && key.length === 66))
    problems.push("the private key is not 32 bytes of 0x hex (value not shown)");
  const keystore = v.keystore as string | undefined;
  if (keystore !== undefined) {
    if (!isFile(keystore)) problems.push(`the keystore ${keystore} is not a file`);
    const passwordFile = v.passwordFile as string | undefined;
    if (passwordFile !== undefined && !isFile(passwordFile))
      problems.push(`the password file ${passwordFile} is not a file`);
    if (passwordFile === undefined && env[PASSWORD_ENV] === undefined)
      problems.push(`the keystore's password is needed: --password-file <file> or env ${PASSWORD_ENV}`);
  }
  const address = v.signerAddress as string | undefined;
  if (address !== undefined && !isAddress(address, { strict: false }))
    problems.push(`--signer-address ${address} is not an address`);
  if (address !== undefined && v.signerUrl === undefined) problems.push("--signer-address needs --signer-url");
  return problems;
}

/** The account to sign with, or undefined when none is configured (check {@link signerProblems} first). */
export async function signerAccount(
  cfg: ResolvedConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Account | undefined> {
  const v = cfg.values;
  if (v.privateKey !== undefined) return privateKeyToAccount(v.privateKey as `0x${string}`);
  if (v.keystore !== undefined) {
    const file = v.keystore as string;
    const passwordFile = v.passwordFile as string | undefined;
    // A password file's trailing newline is not part of the password (echo pw > file).
    const password =
      passwordFile !== undefined ? readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "") : env[PASSWORD_ENV]!;
    return privateKeyToAccount(decryptKeystore(parseKeystore(readFileSync(file, "utf8"), file), password));
  }
  if (v.signerUrl !== undefined) {
    const address = v.signerAddress as string | undefined;
    return remoteSignerAccount({
      url: v.signerUrl as string,
      ...(address !== undefined && { address: getAddress(address) }),
      ...(typeof v.rpcTimeoutMs === "number" && { timeoutMs: v.rpcTimeoutMs }),
    });
  }
  return undefined;
}
