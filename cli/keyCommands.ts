/**
 * `opml key new|import|address`: Web3 Secret Storage v3 keystore files (chain/keystore.ts), so
 * that no key needs to sit on a command line (`ps` shows it). The password comes from
 * --password-file or OPML_KEYSTORE_PASSWORD; the work is loaded only when a key command runs.
 */
import { Command, InvalidArgumentError } from "commander";

export interface KeyFlags {
  passwordFile?: string;
  privateKeyFile?: string;
  light?: boolean;
  force?: boolean;
  json?: boolean;
}

function keystorePath(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("must be a file path.");
  return value;
}

const PASSWORD_HELP = "file holding the password (else env OPML_KEYSTORE_PASSWORD)";

/** The argument and options of a command that writes a keystore file. */
function writesKeystore(cmd: Command): Command {
  return cmd
    .argument("<file>", "the keystore file to write", keystorePath)
    .option("--password-file <file>", PASSWORD_HELP)
    .option("--light", "fast, weaker scrypt parameters (n = 2^12): throwaway keys only")
    .option("--force", "overwrite the file if it exists")
    .option("--json", "print { address, file } as JSON");
}

export function registerKeyCommands(program: Command): void {
  const key = program
    .command("key")
    .description("Encrypted keystore files (Web3 Secret Storage v3): create, import, show the address.")
    .addHelpText(
      "after",
      `
Every command that signs takes --keystore <file> with --password-file <file> (or env
OPML_KEYSTORE_PASSWORD) instead of --private-key; or --signer-url for a remote signer.

Examples:
  $ opml key new submitter.json --password-file pw.txt
  $ opml submitter --keystore submitter.json --password-file pw.txt --models 1=mlp.opml`,
    );
  writesKeystore(
    key
      .command("new")
      .description("Create a random key and write it as an encrypted keystore file; print its address."),
  )
    .addHelpText("after", "\nExamples:\n  $ OPML_KEYSTORE_PASSWORD=… opml key new challenger.json")
    .action(async (file: string, flags: KeyFlags) => {
      const { newKeyAction } = await import("./keyActions.ts");
      newKeyAction(file, flags);
    });
  writesKeystore(
    key
      .command("import")
      .description("Encrypt an existing private key into a keystore file (the key is read from a file, never a flag)."),
  )
    .requiredOption("--private-key-file <file>", "file holding the 0x hex private key")
    .addHelpText(
      "after",
      "\nExamples:\n  $ opml key import submitter.json --private-key-file key.hex --password-file pw.txt",
    )
    .action(async (file: string, flags: KeyFlags) => {
      const { importKeyAction } = await import("./keyActions.ts");
      importKeyAction(file, flags);
    });
  key
    .command("address")
    .description("Print a keystore's address; with a password, decrypt it to check the password.")
    .argument("<file>", "a keystore file", keystorePath)
    .option("--password-file <file>", "check this password too (else env OPML_KEYSTORE_PASSWORD, if set)")
    .option("--json", "print { address, file, checked } as JSON")
    .addHelpText("after", "\nExamples:\n  $ opml key address submitter.json")
    .action(async (file: string, flags: KeyFlags) => {
      const { keyAddressAction } = await import("./keyActions.ts");
      keyAddressAction(file, flags);
    });
}
