/** What a deployment manifest is made of: one entry per contract, with its constructor arguments. */
import type { Address } from "viem";

/** A contract to deploy. */
export interface ContractSpec {
  /** The contract's name, as in `contract Name { ... }`. */
  name: string;
  /** Its source file, relative to the repository root. */
  source: string;
  /** What it is for, in a few words (printed by `opml devnet` and `opml deploy`). */
  description: string;
  /**
   * Constructor arguments, if any; a function receives what was deployed before it (by name) and
   * the demo model's id once registered.
   */
  args?: readonly unknown[] | ((deployed: DeployContext) => readonly unknown[]);
}

/** What a manifest entry's constructor arguments may depend on. */
export interface DeployContext {
  /** Address of an entry deployed earlier in the same call. Throws when there is none. */
  address(name: string): Address;
  /** The demo model's id, once the manifest registered it (after OpmlOracle). */
  modelId?: bigint;
}
