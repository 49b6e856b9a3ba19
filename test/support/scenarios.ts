/**
 * The consistent (state, signals) scenario generator the domain laws run on. It is the one shipped
 * to embedders in `rekindle/testing` (adapters/testing/Scenarios.ts), with this suite's batch id and
 * repo root, so the laws test exactly what users get.
 */
import { permute, scenarioArbitrary, type Scenario } from "../../adapters/testing/Scenarios.ts"
import { BATCH, REPO } from "./builders.ts"

export { permute, type Scenario }

/** Arbitrary consistent scenario (batch `b1` in `/repo`). */
export const scenario = scenarioArbitrary({ batchId: BATCH, repoRoot: REPO })
