/**
 * Reading an encrypted key file (Web3 Secret Storage v3, as geth, Foundry's `cast wallet` and
 * MetaMask export it): scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, the MAC checked before the key
 * is used. The key never appears in an error.
 */
import { createDecipheriv, pbkdf2Sync, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { bytesToHex, concat, hexToBytes, isHex, keccak256, type Hex } from "viem";
import { OpmlError } from "../common/errors.ts";

/** The keystore file cannot be read, is not a v3 keystore, or the password does not open it. */
export class KeystoreError extends OpmlError {
  override name = "KeystoreError";
}

interface V3 {
  version: number;
  crypto?: {
    cipher?: string;
    cipherparams?: { iv?: string };
    ciphertext?: string;
    kdf?: string;
    kdfparams?: { dklen?: number; salt?: string; n?: number; r?: number; p?: number; c?: number; prf?: string };
    mac?: string;
  };
}

const hex = (s: unknown): Uint8Array | undefined => {
  if (typeof s !== "string") return undefined;
  const h = s.startsWith("0x") ? s : `0x${s}`;
  return isHex(h, { strict: true }) ? hexToBytes(h) : undefined;
};

/** Decrypts a v3 keystore file with `password`; returns the 32-byte private key. Throws {@link KeystoreError}. */
export function decryptKeystoreFile(file: string, password: string): Hex {
  let json: V3;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as V3;
  } catch (err) {
    throw new KeystoreError(`cannot read the keystore ${file}`, {
      details: err instanceof SyntaxError ? "not JSON" : "no such file, or not readable",
      cause: err,
    });
  }
  return decryptKeystore(json, password, file);
}

/** Decrypts a parsed v3 keystore; `where` names it in errors. */
export function decryptKeystore(json: unknown, password: string, where = "the keystore"): Hex {
  const k = json as V3 | null;
  const c = k?.crypto ?? (k as { Crypto?: V3["crypto"] } | null)?.Crypto;
  const bad = (what: string) =>
    new KeystoreError(`${where} is not a Web3 Secret Storage v3 key file`, { details: what });
  if (k?.version !== 3 || !c) throw bad("expected version 3 and a crypto section");
  if (c.cipher !== "aes-128-ctr") throw bad(`cipher ${String(c.cipher)} (only aes-128-ctr)`);
  const iv = hex(c.cipherparams?.iv);
  const ciphertext = hex(c.ciphertext);
  const mac = hex(c.mac);
  const kp = c.kdfparams;
  const salt = hex(kp?.salt);
  if (!iv || iv.length !== 16 || !ciphertext || !mac || !salt || !kp) throw bad("iv, ciphertext, mac or salt missing");
  const dklen = kp.dklen ?? 32;
  if (dklen < 32) throw bad(`dklen ${dklen} (at least 32)`);
  let derived: Uint8Array;
  if (c.kdf === "scrypt") {
    const { n, r, p } = kp;
    if (!n || !r || !p) throw bad("scrypt needs n, r and p");
    try {
      derived = scryptSync(password.normalize("NFKC"), salt, dklen, {
        N: n,
        r,
        p,
        maxmem: 256 * r * (n + p + 2) + 32 * 1024 * 1024,
      });
    } catch (err) {
      throw new KeystoreError(`${where}: scrypt refuses n ${n}, r ${r}, p ${p}`, { details: String(err), cause: err });
    }
  } else if (c.kdf === "pbkdf2") {
    if (kp.prf !== "hmac-sha256" || !kp.c) throw bad("pbkdf2 needs c and prf hmac-sha256");
    derived = pbkdf2Sync(password.normalize("NFKC"), salt, kp.c, dklen, "sha256");
  } else throw bad(`kdf ${String(c.kdf)} (scrypt or pbkdf2)`);
  const expected = keccak256(concat([derived.slice(16, 32), ciphertext]));
  if (expected !== bytesToHex(mac))
    throw new KeystoreError(`wrong password for ${where}`, { details: "the key file's MAC does not match" });
  const decipher = createDecipheriv("aes-128-ctr", derived.slice(0, 16), iv);
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (key.length !== 32) throw bad(`the key is ${key.length} bytes, not 32`);
  return bytesToHex(key);
}
