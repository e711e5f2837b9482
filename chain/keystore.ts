/**
 * Web3 Secret Storage (version 3) keystore files: a private key encrypted under a password, as
 * geth, Foundry's `cast wallet` and MetaMask write them. The key is derived with scrypt (or
 * PBKDF2-HMAC-SHA256 when reading), the private key is AES-128-CTR encrypted with its first half,
 * and the MAC is keccak256(derived[16..32] ‖ ciphertext). Node's own crypto does PBKDF2, AES and
 * scrypt where OpenSSL takes the parameters (it refuses N ≥ 2^(16·r), which the spec's own test
 * vector uses: @noble/hashes' scrypt does those); viem does keccak256 and the address.
 */
import { readFileSync } from "node:fs";
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID, scryptSync } from "node:crypto";
import { scrypt as nobleScrypt } from "@noble/hashes/scrypt";
import { bytesToHex, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { OpmlError } from "../common/errors.ts";

/** A keystore file that is not Web3 Secret Storage v3, or a password that does not open it. */
export class KeystoreError extends OpmlError {
  override name = "KeystoreError";
}

export interface ScryptParams {
  /** CPU/memory cost, a power of two (geth's standard: 2^18). */
  n: number;
  r: number;
  p: number;
}

/** geth's "standard" scrypt parameters: about 256 MiB and a second or two per derivation. */
export const STANDARD_SCRYPT: ScryptParams = { n: 1 << 18, r: 8, p: 1 };
/** geth's "light" parameters (`--lightkdf`): 4 MiB, fast; for tests and throwaway keys. */
export const LIGHT_SCRYPT: ScryptParams = { n: 1 << 12, r: 8, p: 6 };

export interface KeystoreV3 {
  version: 3;
  id: string;
  address?: string;
  crypto: {
    cipher: string;
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: string;
    kdfparams: Record<string, unknown>;
    mac: string;
  };
}

const hex = (b: Uint8Array) => bytesToHex(b).slice(2);
const unhex = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== "string" || !/^(0x)?([0-9a-fA-F]{2})*$/.test(s))
    throw new KeystoreError(`the keystore's ${what} is not hex`);
  return hexToBytes(s.startsWith("0x") ? (s as Hex) : `0x${s}`);
};
const int = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)
    throw new KeystoreError(`the keystore's kdfparams.${what} is not a positive integer`);
  return v;
};

function derive(password: string, kdf: string, params: Record<string, unknown>): Uint8Array {
  const salt = unhex(params.salt, "kdfparams.salt");
  const dklen = int(params.dklen, "dklen");
  if (dklen < 32) throw new KeystoreError("the keystore's kdfparams.dklen is below 32");
  if (kdf === "scrypt") {
    const [n, r, p] = [int(params.n, "n"), int(params.r, "r"), int(params.p, "p")];
    if (n & (n - 1)) throw new KeystoreError("the keystore's kdfparams.n is not a power of two");
    const pw = password.normalize("NFKC");
    if (16 * r >= 53 || n < 2 ** (16 * r))
      return scryptSync(pw, salt, dklen, { N: n, r, p, maxmem: 128 * r * (n + p + 2) + (1 << 20) });
    return nobleScrypt(pw, salt, { N: n, r, p, dkLen: dklen, maxmem: 128 * r * (n + p + 2) + (1 << 20) });
  }
  if (kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256")
      throw new KeystoreError(`unsupported PBKDF2 prf ${JSON.stringify(params.prf)}`, { details: "hmac-sha256 only" });
    return pbkdf2Sync(password.normalize("NFKC"), salt, int(params.c, "c"), dklen, "sha256");
  }
  throw new KeystoreError(`unsupported key derivation ${JSON.stringify(kdf)}`, { details: "scrypt or pbkdf2" });
}

const macOf = (derived: Uint8Array, ciphertext: Uint8Array): string =>
  keccak256(new Uint8Array([...derived.subarray(16, 32), ...ciphertext])).slice(2);

/** Parses a keystore file's JSON text, checking its shape (not the password). */
export function parseKeystore(text: string, file = "the keystore"): KeystoreV3 {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeystoreError(`${file} is not JSON`, { cause: err });
  }
  const k = json as Partial<KeystoreV3> & { Crypto?: KeystoreV3["crypto"] };
  // Some writers spell it "Crypto" (geth's early files).
  const crypto = k.crypto ?? k.Crypto;
  if (typeof k !== "object" || k === null || k.version !== 3 || typeof crypto !== "object" || crypto === null)
    throw new KeystoreError(`${file} is not a Web3 Secret Storage v3 keystore`, {
      details: "expected a JSON object with version 3 and a crypto section",
    });
  return { ...(k as KeystoreV3), crypto };
}

/** The private key in the keystore file `file`; an unreadable file is a {@link KeystoreError} too. */
export function decryptKeystoreFile(file: string, password: string): Hex {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new KeystoreError(`cannot read the keystore ${file}`, {
      details: "no such file, or not readable",
      cause: err,
    });
  }
  return decryptKeystore(parseKeystore(text, file), password);
}

/** The private key in a keystore; a wrong password is a {@link KeystoreError} (MAC mismatch). */
export function decryptKeystore(keystore: KeystoreV3, password: string): Hex {
  const c = keystore.crypto;
  if (c.cipher !== "aes-128-ctr")
    throw new KeystoreError(`unsupported cipher ${JSON.stringify(c.cipher)}`, { details: "aes-128-ctr only" });
  if (typeof c.kdfparams !== "object" || c.kdfparams === null) throw new KeystoreError("the keystore has no kdfparams");
  const derived = derive(password, c.kdf, c.kdfparams);
  const ciphertext = unhex(c.ciphertext, "ciphertext");
  if (macOf(derived, ciphertext) !== String(c.mac).toLowerCase().replace(/^0x/, ""))
    throw new KeystoreError("wrong password for the keystore", { details: "its MAC does not match" });
  const iv = unhex(c.cipherparams?.iv, "cipherparams.iv");
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const key = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (key.length !== 32) throw new KeystoreError(`the keystore holds ${key.length} bytes, not a 32-byte key`);
  return bytesToHex(key);
}

export interface EncryptOptions {
  scrypt?: ScryptParams;
  /** Fixed salt and IV (test vectors only); random otherwise. */
  salt?: Uint8Array;
  iv?: Uint8Array;
  id?: string;
}

/** Encrypts a private key into a v3 keystore with scrypt (standard parameters by default). */
export function encryptKeystore(privateKey: Hex, password: string, options: EncryptOptions = {}): KeystoreV3 {
  const { n, r, p } = options.scrypt ?? STANDARD_SCRYPT;
  const salt = options.salt ?? randomBytes(32);
  const iv = options.iv ?? randomBytes(16);
  const kdfparams = { dklen: 32, n, r, p, salt: hex(salt) };
  const derived = derive(password, "scrypt", kdfparams);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]));
  return {
    version: 3,
    id: options.id ?? randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: hex(iv) },
      ciphertext: hex(ciphertext),
      kdf: "scrypt",
      kdfparams,
      mac: macOf(derived, ciphertext),
    },
  };
}

/** The address a keystore records (no password needed), if it records one. */
export function keystoreAddress(keystore: KeystoreV3): Address | undefined {
  const a = keystore.address;
  return typeof a === "string" && /^(0x)?[0-9a-fA-F]{40}$/.test(a)
    ? `0x${a.replace(/^0x/, "").toLowerCase()}`
    : undefined;
}
