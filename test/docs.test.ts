/**
 * The docs stay true to the code: every repository path a README or a doc writes exists, every
 * folder README's file table names exactly the folder's files, every test a text names exists,
 * and the spec describes the product, never the process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, normalize } from "node:path";
import { REPO_ROOT } from "../chain/foundry.ts";

const tracked = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.includes("/wasm-spec/") && existsSync(join(REPO_ROOT, f)));
const read = (f: string) => readFileSync(join(REPO_ROOT, f), "utf8");

/** Top-level folders whose README has a `| file | ... |` table. */
const tableReadmes = tracked.filter((f) => /^[^/]+\/README\.md$/.test(f) && /^\|\s*file\s*\|/m.test(read(f)));
/** Every README, at any depth, and the docs: the texts whose paths must exist. */
const markdown = tracked.filter((f) => /(^|\/)README\.md$/.test(f) || /^docs\/.*\.md$/.test(f));

/**
 * Backticked names in those texts that look like paths into the repository but intentionally are
 * not, keyed by the text: each says why.
 */
const NOT_REPO_PATHS: Record<string, string[]> = {
  // A folder of a daemon's data directory (`--data-dir`), created at run time.
  "daemon/README.md": ["failed/"],
};

interface Table {
  /** Header cells. */
  header: string[];
  /** The folder the header names in backticks (`file (\`src/webgpu/\`)`), relative to the text's folder. */
  folder: string | null;
  /** 1-based line numbers of the body rows. */
  rows: number[];
}

/** The markdown tables of a text: a header line followed by a `| --- |` line, then rows. */
function tablesOf(lines: string[]): Table[] {
  const out: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!/^\|/.test(lines[i]!) || !/^\|\s*:?-+/.test(lines[i + 1]!)) continue;
    const header = lines[i]!.split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    const folder = /`([\w./-]+\/)`/.exec(header[0] ?? "")?.[1] ?? null;
    const rows: number[] = [];
    for (let j = i + 2; j < lines.length && /^\|/.test(lines[j]!); j++) rows.push(j + 1);
    out.push({ header, folder, rows });
  }
  return out;
}

const trackedFiles = new Set(tracked);
const trackedDirs = new Set(
  execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" })
    .split("\n")
    .flatMap((f) =>
      f
        .split("/")
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join("/")),
    ),
);
const globRegex = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
/** A build output or run-time file: git ignores it (as a file, or as a folder: `build/`). */
const isIgnored = (path: string) =>
  [path, `${path}/x`].some((p) => {
    try {
      execFileSync("git", ["check-ignore", "--no-index", "-q", p], { cwd: REPO_ROOT });
      return true;
    } catch {
      return false;
    }
  });

/** Whether `path` names a tracked file or folder, or (with `*`) matches one. */
function isTracked(path: string): boolean {
  const p = normalize(path).replace(/\/$/, "");
  if (p.startsWith("..")) return false;
  if (!p.includes("*")) return trackedFiles.has(p) || trackedDirs.has(p);
  const re = globRegex(p);
  return tracked.some((f) => re.test(f)) || [...trackedDirs].some((d) => re.test(d));
}

/** The folders a path written in `md` is read from: the text's, a table header's, the root. */
const basesOf = (md: string, tableFolder: string | null) => [
  dirname(md),
  ...(tableFolder ? [join(dirname(md), tableFolder), tableFolder] : []),
  ".",
];

/** Each table body row's header folder, by 1-based line number. */
function rowFolders(lines: string[]): Map<number, string | null> {
  const out = new Map<number, string | null>();
  for (const t of tablesOf(lines)) for (const r of t.rows) out.set(r, t.folder);
  return out;
}

/**
 * Whether a path written in `md` names something in the repo, read from the text's folder, from
 * the folder a table's header names, or from the root; a git-ignored path (build output, run-time
 * files) is taken as named.
 */
function resolves(md: string, path: string, tableFolder: string | null): boolean {
  const candidates = basesOf(md, tableFolder).map((b) => join(b, path));
  return candidates.some(isTracked) || candidates.some((c) => !c.startsWith("..") && isIgnored(c));
}

/** A backticked name that looks like a path into the repo: `dir/file.ext`, `dir/`, `folder/sub`. */
function looksLikeRepoPath(s: string): boolean {
  if (!s.includes("/") || !/^[\w.*-]+(\/[\w.*-]+)*\/?$/.test(s) || s.startsWith(".opml")) return false;
  return s.endsWith("/") || /\.[a-z][a-z0-9]{0,4}$/i.test(s) || topFolders.has(s.split("/")[0]!);
}
const topFolders = new Set(tracked.filter((f) => f.includes("/")).map((f) => f.split("/")[0]!));

test("every backticked repository path in the READMEs and docs/ exists", () => {
  assert.ok(markdown.length >= 15, `texts found: ${markdown.join(", ")}`);
  const problems: string[] = [];
  for (const md of markdown) {
    const lines = read(md).split("\n");
    const folderOfRow = rowFolders(lines);
    let fenced = false;
    for (const [i, line] of lines.entries()) {
      if (/^\s*```/.test(line)) fenced = !fenced;
      if (fenced) continue;
      for (const m of line.matchAll(/`([^`\s]+)`/g)) {
        const path = m[1]!;
        if (!looksLikeRepoPath(path) || NOT_REPO_PATHS[md]?.includes(path)) continue;
        if (!resolves(md, path, folderOfRow.get(i + 1) ?? null)) problems.push(`${md}:${i + 1}: \`${path}\``);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("every README's file table (a table whose first column header says file) names only files that exist", () => {
  const problems: string[] = [];
  let checked = 0;
  for (const readme of markdown.filter((f) => f.endsWith("README.md"))) {
    const lines = read(readme).split("\n");
    for (const t of tablesOf(lines).filter((t) => /\bfiles?\b/i.test(t.header[0] ?? ""))) {
      checked++;
      for (const r of t.rows) {
        const first = lines[r - 1]!.split(/(?<!\\)\|/)[1] ?? "";
        for (const m of first.matchAll(/`([\w.*/-]+)`/g))
          if (!resolves(readme, m[1]!, t.folder)) problems.push(`${readme}:${r}: names ${m[1]}, which does not exist`);
      }
    }
  }
  assert.ok(checked >= 12, `file tables found: ${checked}`);
  assert.deepEqual(problems, []);
});

/** The tracked files a README names: its backticked paths read as `resolves` reads them, globs expanded. */
function namedFiles(readme: string): Set<string> {
  const lines = read(readme).split("\n");
  const folderOfRow = rowFolders(lines);
  const out = new Set<string>();
  for (const [i, line] of lines.entries())
    for (const m of line.matchAll(/`([\w.*/-]+)`/g))
      for (const base of basesOf(readme, folderOfRow.get(i + 1) ?? null)) {
        const p = normalize(join(base, m[1]!)).replace(/\/$/, "");
        if (!p.includes("*")) out.add(p);
        else for (const f of tracked.filter((f) => globRegex(p).test(f))) out.add(f);
      }
  return out;
}

test("every top-level folder README with a file table names every file below it by its path", () => {
  const ownReadme = new Set(tracked.filter((f) => f.endsWith("/README.md")).map(dirname));
  const problems: string[] = [];
  for (const readme of tableReadmes) {
    const folder = dirname(readme);
    const named = namedFiles(readme);
    for (const f of tracked.filter((f) => f.startsWith(`${folder}/`) && f !== readme)) {
      const parts = f.split("/");
      // Tests are listed by what they check, elsewhere; a subfolder with its own README has its own table.
      if (parts.includes("test") || parts.slice(1, -1).some((_, i) => ownReadme.has(parts.slice(0, i + 2).join("/"))))
        continue;
      if (!named.has(f)) problems.push(`${readme}: does not name ${f.slice(folder.length + 1)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("every top-level folder README with a file table names each of its files and subfolders", () => {
  assert.ok(tableReadmes.length >= 5, `file tables found: ${tableReadmes.join(", ")}`);
  const problems: string[] = [];
  for (const readme of tableReadmes) {
    const folder = dirname(readme);
    const named = new Set([...read(readme).matchAll(/`([\w./-]+)`/g)].map((m) => m[1]!.replace(/\/$/, "")));
    // Each file and subfolder of the folder (tests and build output aside) is named.
    for (const entry of readdirSync(join(REPO_ROOT, folder))) {
      if (entry === "README.md" || entry === "test" || entry === "build" || entry === "node_modules") continue;
      const isDir = statSync(join(REPO_ROOT, folder, entry)).isDirectory();
      if (!tracked.some((f) => f === `${folder}/${entry}` || f.startsWith(`${folder}/${entry}/`))) continue;
      const covered = named.has(entry) || (isDir && [...named].some((n) => n.startsWith(`${entry}/`)));
      if (!covered) problems.push(`${readme}: does not name ${entry}${isDir ? "/" : ""}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("every test file a text names exists", () => {
  const problems: string[] = [];
  // Test code is left out: its strings name probe files on purpose.
  for (const f of tracked.filter((f) => /\.(md|ts|sol|mjs)$/.test(f) && !f.split("/").includes("test"))) {
    for (const m of read(f).matchAll(/([\w./-]+\.(?:test\.ts|t\.sol))/g)) {
      const ref = m[1]!;
      if (!existsSync(join(REPO_ROOT, ref)) && !existsSync(join(REPO_ROOT, dirname(f), ref)))
        problems.push(`${f}: names ${ref}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("every forge test a text names exists in contracts/test", () => {
  const sol = tracked
    .filter((f) => f.startsWith("contracts/test/") && f.endsWith(".sol"))
    .map(read)
    .join("\n");
  const defined = new Set([...sol.matchAll(/function\s+((?:test|invariant)\w*)\s*\(/g)].map((m) => m[1]!));
  const problems: string[] = [];
  for (const f of tracked.filter((f) => /\.(md|ts)$/.test(f) && !f.startsWith("contracts/test/"))) {
    for (const m of read(f).matchAll(/\b((?:test|testFuzz|testDiff|testVectors|invariant)_\w+)/g))
      // ONNX test folders (test_data_set_N) are named like forge tests and are not.
      if (!defined.has(m[1]!) && !m[1]!.startsWith("test_data_set_")) problems.push(`${f}: names ${m[1]}`);
  }
  assert.deepEqual(problems, []);
});

test("the docs describe the product, never the process (no issue, session or TODO in docs/)", () => {
  const problems: string[] = [];
  for (const f of tracked.filter((f) => f.startsWith("docs/") && f.endsWith(".md")))
    for (const [i, line] of read(f).split("\n").entries())
      if (/\b(issues?|sessions?|TODO)\b/i.test(line)) problems.push(`${f}:${i + 1}: ${line.trim()}`);
  assert.deepEqual(problems, []);
});
