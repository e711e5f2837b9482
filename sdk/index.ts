export * from "./abi.ts";
export * from "./actions.ts";
export * from "./decorator.ts";
export * from "./errors.ts";
