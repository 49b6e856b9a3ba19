/**
 * Entry of `rekindle/testing`: the FakeWorld (every fake adapter over one shared, state-based world,
 * with drivers that fail the way real machines do) and fast-check arbitraries derived from the
 * Schemas. Needs the optional peer dependency fast-check.
 */
export * from "../adapters/testing.ts"
export * from "../adapters/testing/Arbitraries.ts"
export * from "../adapters/testing/Scenarios.ts"
