/**
 * The VM's second entry, for tests, benches and the vector tools — never production code: it
 * loads wabt (the corpus is written in WAT) and reads the vendored spec scripts. The step-case
 * corpus, the golden vectors, the layout generator and the spec suite.
 */
export {
  compiledRandomCases,
  compiledRunCases,
  corpusCases,
  opClass,
  randomCases,
  specCases,
  runProving,
  type CompiledRunCases,
  type StepCase,
} from "./corpus/stepCases.ts";
export { readGoldenVectors } from "./tools/goldenVectors.ts";
export { DOC, SOL_OUT, generateLayoutSol } from "./tools/genLayout.ts";
export { runSpecSuite } from "./conformance/runSpecSuite.ts";
