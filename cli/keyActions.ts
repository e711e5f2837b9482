/** `opml key new|import|address` at work (cli/keyCommands.ts defines them). */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import {
  decryptKeystore,
  encryptKeystore,
  keystoreAddress,
  KeystoreError,
  LIGHT_SCRYPT,
  parseKeystore,
  STANDARD_SCRYPT,
} from "../chain/keystore.ts";
import { PASSWORD_ENV } from "../daemon/signer.ts";
import { BadInputError } from "./errors.ts";
import type { KeyFlags } from "./keyCommands.ts";

const readLine = (file: string, what: string): string => {
  if (!existsSync(file)) throw new BadInputError(`the ${what} file ${file} does not exist`);
  return readFileSync(file, "utf8").replace(/\r?\n$/, "");
};

/** The password from --password-file or the environment; `needed`: refuse when there is none. */
function passwordOf(flags: KeyFlags, needed: true): string;
function passwordOf(flags: KeyFlags, needed: false): string | undefined;
function passwordOf(flags: KeyFlags, needed: boolean): string | undefined {
  if (flags.passwordFile !== undefined) return readLine(flags.passwordFile, "password");
  const env = process.env[PASSWORD_ENV];
  if (env === undefined && needed)
    throw new BadInputError("a password is needed", { details: `give --password-file <file> or set ${PASSWORD_ENV}` });
  return env;
}

function write(file: string, key: Hex, flags: KeyFlags): void {
  if (existsSync(file) && !flags.force)
    throw new BadInputError(`${file} exists`, { details: "pass --force to overwrite it (the key in it is lost)" });
  const password = passwordOf(flags, true);
  if (password.length === 0) throw new BadInputError("the password is empty");
  const keystore = encryptKeystore(key, password, { scrypt: flags.light ? LIGHT_SCRYPT : STANDARD_SCRYPT });
  writeFileSync(file, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 });
  const address = privateKeyToAddress(key);
  console.log(flags.json ? JSON.stringify({ address, file }) : `Wrote ${file}: address ${address}`);
}

export function newKeyAction(file: string, flags: KeyFlags): void {
  write(file, generatePrivateKey(), flags);
}

export function importKeyAction(file: string, flags: KeyFlags): void {
  const key = readLine(flags.privateKeyFile!, "private key").trim();
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!isHex(hex, { strict: true }) || hex.length !== 66)
    throw new BadInputError(`${flags.privateKeyFile} does not hold a 32-byte hex private key`, {
      details: "(value not shown)",
    });
  write(file, hex, flags);
}

export function keyAddressAction(file: string, flags: KeyFlags): void {
  if (!existsSync(file)) throw new BadInputError(`the keystore ${file} does not exist`);
  const keystore = parseKeystore(readFileSync(file, "utf8"), file);
  const password = passwordOf(flags, false);
  let address = keystoreAddress(keystore);
  if (password !== undefined) {
    const fromKey = privateKeyToAddress(decryptKeystore(keystore, password));
    if (address !== undefined && address.toLowerCase() !== fromKey.toLowerCase())
      throw new KeystoreError(`${file} records address ${address} but holds the key of ${fromKey}`);
    address = fromKey;
  }
  if (address === undefined)
    throw new KeystoreError(`${file} records no address`, { details: "give its password to derive it" });
  const checked = password !== undefined;
  console.log(
    flags.json
      ? JSON.stringify({ address, file, checked })
      : `${address}${checked ? " (password checked)" : " (recorded in the file; password not checked)"}`,
  );
}
