import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, scryptSync } from "node:crypto";
import { bytesToHex, concat, keccak256 } from "viem";
import { decryptKeystore, KeystoreError } from "../keystore.ts";
import { KEYSTORE_KEY, KEYSTORE_PASSWORD, PBKDF2_KEYSTORE } from "./keystoreVectors.ts";

test("the Web3 Secret Storage PBKDF2 vector decrypts to its key", () => {
  assert.equal(decryptKeystore(PBKDF2_KEYSTORE, KEYSTORE_PASSWORD), KEYSTORE_KEY);
});

test("a wrong password is a KeystoreError from the MAC, never a wrong key", () => {
  assert.throws(
    () => decryptKeystore(PBKDF2_KEYSTORE, "testpassworD"),
    (e: unknown) => {
      assert.ok(e instanceof KeystoreError);
      assert.match(e.message, /wrong password/);
      assert.doesNotMatch(e.message, /7a28b5ba/);
      return true;
    },
  );
});

test("a scrypt key file (as geth writes one: n 2^12, r 8, p 1) decrypts to its key", () => {
  const salt = Buffer.alloc(32, 7);
  const iv = Buffer.alloc(16, 9);
  const derived = scryptSync("pw", salt, 32, { N: 4096, r: 8, p: 1 });
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const key = Buffer.alloc(32, 0x11);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
  const file = {
    version: 3,
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams: { dklen: 32, n: 4096, r: 8, p: 1, salt: salt.toString("hex") },
      mac: keccak256(concat([derived.subarray(16, 32), ciphertext])).slice(2),
    },
  };
  assert.equal(decryptKeystore(file, "pw"), bytesToHex(key));
});

test("files that are not v3 keystores are refused naming what is missing", () => {
  const cases: [unknown, RegExp][] = [
    [{ version: 1 }, /version 3/],
    [{ ...PBKDF2_KEYSTORE, crypto: { ...PBKDF2_KEYSTORE.crypto, cipher: "aes-256-cbc" } }, /cipher aes-256-cbc/],
    [{ ...PBKDF2_KEYSTORE, crypto: { ...PBKDF2_KEYSTORE.crypto, kdf: "argon2" } }, /kdf argon2/],
    [{ ...PBKDF2_KEYSTORE, crypto: { ...PBKDF2_KEYSTORE.crypto, mac: undefined } }, /mac or salt missing/],
  ];
  for (const [file, message] of cases)
    assert.throws(
      () => decryptKeystore(file, KEYSTORE_PASSWORD),
      (e: unknown) => e instanceof KeystoreError && message.test(e.message),
    );
});
