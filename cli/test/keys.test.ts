import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, parseEther, recoverMessageAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { startAnvil } from "../../chain/anvil.ts";
import { devChain } from "../../chain/devClients.ts";
import {
  decryptKeystore,
  encryptKeystore,
  KeystoreError,
  LIGHT_SCRYPT,
  parseKeystore,
  type KeystoreV3,
} from "../../chain/keystore.ts";
import { remoteSignerAccount, RemoteSignerError } from "../../chain/remoteSigner.ts";
import { runOpml } from "./runOpml.ts";
import { PBKDF2_KEYSTORE } from "../../chain/test/keystoreVectors.ts";

// The Web3 Secret Storage definition's test vectors (ethereum/wiki, "Web3 Secret Storage
// Definition", Test Vectors): password "testpassword", this private key, one file per KDF.
const VECTOR_KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const SCRYPT_VECTOR: KeystoreV3 = {
  version: 3,
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
};
const PBKDF2_VECTOR: KeystoreV3 = parseKeystore(JSON.stringify(PBKDF2_KEYSTORE));

test("keystore: the Web3 Secret Storage scrypt and PBKDF2 test vectors decrypt to the spec's key; a wrong password fails on the MAC", () => {
  assert.equal(decryptKeystore(SCRYPT_VECTOR, "testpassword"), VECTOR_KEY);
  assert.equal(decryptKeystore(PBKDF2_VECTOR, "testpassword"), VECTOR_KEY);
  assert.throws(
    () => decryptKeystore(PBKDF2_VECTOR, "testpassworD"),
    (e: unknown) => {
      return e instanceof KeystoreError && /wrong password/.test(e.message);
    },
  );
});

test("keystore: encrypting the vector's key with its salt and IV gives the vector's ciphertext and MAC", () => {
  const k = encryptKeystore(VECTOR_KEY, "testpassword", {
    scrypt: { n: 262144, r: 1, p: 8 },
    salt: Buffer.from(SCRYPT_VECTOR.crypto.kdfparams.salt as string, "hex"),
    iv: Buffer.from(SCRYPT_VECTOR.crypto.cipherparams.iv, "hex"),
  });
  assert.equal(k.crypto.ciphertext, SCRYPT_VECTOR.crypto.ciphertext);
  assert.equal(k.crypto.mac, SCRYPT_VECTOR.crypto.mac);
  assert.equal(k.address, "008aeeda4d805471df9b2a5b0f38a0c3bcba786b", "the vector key's address");
});

test("keystore: a file that is not v3 JSON, an unknown KDF and a tampered ciphertext are KeystoreErrors", () => {
  assert.throws(() => parseKeystore("{", "k.json"), /k\.json is not JSON/);
  assert.throws(() => parseKeystore(JSON.stringify({ version: 1 }), "k.json"), /not a Web3 Secret Storage v3/);
  const unknownKdf = { ...SCRYPT_VECTOR, crypto: { ...SCRYPT_VECTOR.crypto, kdf: "argon2" } };
  assert.throws(() => decryptKeystore(unknownKdf, "testpassword"), /unsupported key derivation "argon2"/);
  const k = encryptKeystore(VECTOR_KEY, "pw", { scrypt: LIGHT_SCRYPT });
  const tampered = { ...k, crypto: { ...k.crypto, ciphertext: `00${k.crypto.ciphertext.slice(2)}` } };
  assert.throws(() => decryptKeystore(tampered, "pw"), KeystoreError);
  assert.equal(decryptKeystore(k, "pw"), VECTOR_KEY);
});

test("opml key new, address and import: a keystore written, its address read with and without the password, a key imported from a file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opml-key-"));
  try {
    const pw = join(dir, "pw.txt");
    writeFileSync(pw, "correct horse\n");
    const file = join(dir, "k.json");
    const made = await runOpml(["key", "new", file, "--password-file", pw, "--light", "--json"]);
    assert.equal(made.error, undefined, String(made.error));
    const { address } = JSON.parse(made.out) as { address: string };
    const keystore = parseKeystore(readFileSync(file, "utf8"));
    assert.equal(
      privateKeyToAddress(decryptKeystore(keystore, "correct horse")),
      address,
      "the newline is not the password",
    );

    const again = await runOpml(["key", "new", file, "--password-file", pw, "--light"]);
    assert.match(String(again.error), /exists[\s\S]*--force/);

    const shown = await runOpml(["key", "address", file, "--password-file", pw, "--json"]);
    assert.deepEqual(JSON.parse(shown.out), { address, file, checked: true });
    writeFileSync(pw, "wrong");
    assert.match(String((await runOpml(["key", "address", file, "--password-file", pw])).error), /wrong password/);

    const keyFile = join(dir, "key.hex");
    writeFileSync(keyFile, `${VECTOR_KEY}\n`);
    const imported = join(dir, "imported.json");
    const r = await runOpml([
      "key",
      "import",
      imported,
      "--private-key-file",
      keyFile,
      "--password-file",
      pw,
      "--light",
    ]);
    assert.equal(r.error, undefined, String(r.error));
    assert.match(r.out, new RegExp(privateKeyToAddress(VECTOR_KEY)));
    assert.equal(decryptKeystore(parseKeystore(readFileSync(imported, "utf8")), "wrong"), VECTOR_KEY);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("remote signer: anvil's eth_signTransaction signs a transfer that the chain then mines; messages are signed by the same account; an address it does not hold is refused", async () => {
  const anvil = await startAnvil();
  try {
    const from = anvil.accounts[3]!.address;
    await assert.rejects(
      remoteSignerAccount({ url: anvil.rpcUrl }),
      (e: unknown) => e instanceof RemoteSignerError && /holds 10 accounts[\s\S]*--signer-address/.test(e.message),
    );
    const stranger = privateKeyToAddress(VECTOR_KEY);
    await assert.rejects(remoteSignerAccount({ url: anvil.rpcUrl, address: stranger }), /does not hold/);
    await assert.rejects(remoteSignerAccount({ url: "http://127.0.0.1:1" }), RemoteSignerError);

    const account = await remoteSignerAccount({ url: anvil.rpcUrl, address: from });
    const chain = devChain(anvil.rpcUrl, anvil.chainId);
    // The wallet sends raw transactions to the chain; only the signature comes from the signer.
    const wallet = createWalletClient({ chain, account, transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const to = privateKeyToAddress(VECTOR_KEY);
    const hash = await wallet.sendTransaction({ to, value: parseEther("1.5") });
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.from.toLowerCase(), from.toLowerCase());
    assert.equal(await client.getBalance({ address: to }), parseEther("1.5"));
    const signature = await account.signMessage({ message: "opml" });
    assert.equal((await recoverMessageAddress({ message: "opml", signature })).toLowerCase(), from.toLowerCase());
  } finally {
    await anvil.stop();
  }
});
