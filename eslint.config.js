import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { layerConfig } from "./eslint/layers.js";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "contracts/out/",
      "contracts/cache/",
      "**/build/",
      "dnn-lib/assembly/",
      "**/*.as.ts",
      "bench/*.json",
      "vm/conformance/wasm-spec/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        performance: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        WebAssembly: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  ...layerConfig,
);
