#!/usr/bin/env node
// The `opml` executable (package.json "bin"). The command is written in TypeScript: register
// tsx's ESM loader in this process, then load and run it.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./opml.ts");
await main(process.argv);
