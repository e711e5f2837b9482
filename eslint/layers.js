/**
 * The layout's rules, enforced by lint: every part of the tree has a level, and code imports only
 * from lower levels (never from a part at its own level, so the two roles never import each other,
 * nor do the VM and the kernel library); no code outside a `test/` folder imports from one; and the
 * import graph has no loop; and code above the VM reaches it only through its entries. The README's
 * map lists the levels with what each part holds.
 */
import importX, { createNodeResolver } from "eslint-plugin-import-x";

/** Level of each top-level folder, lowest first. A folder imports only from lower levels. */
export const LEVELS = [
  ["common"],
  ["chain"],
  ["commitment"],
  ["vm", "dnn-lib"],
  ["phase"],
  ["bisection"],
  ["claim"],
  ["sdk"],
  ["daemon"],
  ["submitter", "challenger"],
  ["devnet"],
  ["contracts"],
  ["bench"],
  ["cli"],
  ["test"],
];

const ALL = LEVELS.flat();

/** For each folder, the folders it may not import: its level and everything above, itself excepted. */
export function forbiddenFrom(folder) {
  const level = LEVELS.findIndex((l) => l.includes(folder));
  return LEVELS.slice(level)
    .flat()
    .filter((f) => f !== folder);
}

/**
 * A part whose files other parts import only through its entry files: its internals can change
 * without their callers (vm/: `index.ts` for everything, `tooling.ts` for tests, benches and vector
 * tools). Only folders above the part are checked: the level rule already refuses the others.
 */
export const ENTRIES = { vm: ["index.ts", "tooling.ts"] };

function entryZones() {
  return Object.entries(ENTRIES).flatMap(([part, entries]) =>
    LEVELS.slice(LEVELS.findIndex((l) => l.includes(part)) + 1)
      .flat()
      .map((folder) => ({
        target: `./${folder}`,
        from: `./${part}`,
        except: entries.map((e) => `./${e}`),
        message: `outside ${part}/, import it through ${entries.map((e) => `${part}/${e}`).join(" or ")} (eslint/layers.js ENTRIES), not its internals.`,
      })),
  );
}

function zones(withTestRule) {
  const out = ALL.map((folder) => ({
    target: `./${folder}`,
    from: forbiddenFrom(folder).map((f) => `./${f}`),
    message: `${folder}/ sits below these folders in the layout (eslint/layers.js): it may not import them.`,
  })).filter((z) => z.from.length > 0);
  out.push(...entryZones());
  if (withTestRule)
    out.push({
      target: "./**",
      from: ["./**/test/**"],
      message: "only test code imports from a test/ folder.",
    });
  return out;
}

const rules = (withTestRule) => ({
  "import-x/no-restricted-paths": ["error", { zones: zones(withTestRule) }],
  "import-x/no-cycle": ["error", { ignoreExternal: true }],
});

export const layerConfig = [
  {
    files: ["**/*.ts", "**/*.mjs", "**/*.js"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".mjs", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".mjs", ".js"] })],
    },
    rules: rules(true),
  },
  { files: ["**/test/**"], rules: rules(false) },
];
