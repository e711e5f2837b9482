/**
 * The part of asc's API (assemblyscript/asc, `main`) that the kernel and keccak builds
 * use, typed from the package's own declarations (asc.js says why they are not used).
 */

/** Where asc writes output and diagnostics. */
export interface OutputStream {
  write(chunk: Uint8Array | string): void;
}

/** The stream asc collects into when the options give none; `toString()` decodes it. */
export interface MemoryStream extends OutputStream {
  toString(): string;
}

export interface APIOptions {
  stdout?: OutputStream;
  stderr?: OutputStream;
  readFile?: (filename: string, baseDir: string) => (string | null) | Promise<string | null>;
  writeFile?: (filename: string, contents: Uint8Array | string, baseDir: string) => void | Promise<void>;
  listFiles?: (dirname: string, baseDir: string) => (string[] | null) | Promise<string[] | null>;
}

export interface APIResult<Stream extends OutputStream = OutputStream> {
  /** The error that stopped the compile, if any (diagnostics are on `stderr`). */
  error: Error | null;
  stdout: Stream;
  stderr: Stream;
}

export interface Asc {
  /** Runs asc with command-line arguments; without stream options, output is collected in memory. */
  main(argv: string[]): Promise<APIResult<MemoryStream>>;
  main(argv: string[], options: APIOptions): Promise<APIResult>;
}

/** asc, imported once, on the first call (its import alone takes seconds). */
export function loadAsc(): Promise<Asc>;
