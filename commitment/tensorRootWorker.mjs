// The tensorRootsParallel worker's entry: worker threads do not inherit the parent's `--import tsx`
// (Node 20), so register tsx's ESM loader in this thread, then load the worker itself.
import { register } from "tsx/esm/api";

register();
await import("./tensorRootWorker.ts");
