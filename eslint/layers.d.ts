import type { Linter } from "eslint";

/** Level of each top-level folder, lowest first. */
export const LEVELS: readonly (readonly string[])[];
/** The folders `folder` may not import. */
export function forbiddenFrom(folder: string): string[];
/** The layer rules as flat-config blocks. */
export const layerConfig: Linter.Config[];
