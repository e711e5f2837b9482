import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import { layerConfig } from "./eslint/layers.js";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "contracts/out/",
      "contracts/cache/",
      "**/build/",
      "sdk/test/dapp/",
      "dnn-lib/assembly/",
      "**/*.as.ts",
      "bench/*.json",
      "vm/conformance/wasm-spec/",
    ],
  },
  js.configs.recommended,
  // Type-aware: the rules read tsconfig.json's program (lib ES2022, noUncheckedIndexedAccess).
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
      // A promise nobody awaits loses its rejection: in a daemon, an error no one logs.
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test's test() and describe() return promises the runner awaits itself; t.test() stays checked.
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] },
          ],
        },
      ],
      // An async callback where a void one is expected (event handlers, timers) drops its rejection.
      "@typescript-eslint/no-misused-promises": "error",
      // `return promise` inside try/catch/finally escapes the handler; outside one, `await` is style.
      "@typescript-eslint/return-await": ["error", "error-handling-correctness-only"],
      // Numbers (bigint too), booleans and null/undefined print as expected; so do the arrays of
      // them that error details list (dims, strides, params), and `never` in exhaustiveness errors.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowArray: true, allowNever: true }],
      // Off: async methods that implement a Promise-returning interface without awaiting are the style
      // here (`async` turns their throws into rejections); unawaited promises are no-floating-promises'.
      "@typescript-eslint/require-await": "off",
    },
  },
  // The VM's compiled tier generates JavaScript with `new Function` by design; its source is built
  // only from the loader's validated flat code (integers), never from input text.
  { files: ["vm/jit/compileRegion.ts"], rules: { "@typescript-eslint/no-implied-eval": "off" } },
  // The JavaScript files (configs, scripts/*.mjs, cli/bin.mjs, common/asc.js) are outside the tsconfig.
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  ...layerConfig,
);
