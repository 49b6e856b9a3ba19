// Run from a temp project that installed the packed tarball: import every subpath as a user would
// (ESM, plus require(esm) of rekindle/core), call a pure function of each, and probe closed paths.
// Prints one JSON document; test/package/Artifact.test.ts asserts it.
import { createRequire } from "node:module"

const SUBPATHS = ["rekindle", "rekindle/core", "rekindle/node", "rekindle/testing"]
const names = {}
for (const sub of SUBPATHS) names[sub] = Object.keys(await import(sub)).sort()

const root = await import("rekindle")
const core = await import("rekindle/core")
const node = await import("rekindle/node")
const testing = await import("rekindle/testing")
const fc = (await import("fast-check")).default

const waves = core.planWaves([
  { id: "b", dependsOn: ["a"] },
  { id: "a", dependsOn: [] }
])
const [scenario] = fc.sample(testing.scenarioArbitrary(), { numRuns: 1, seed: 42 })
const report = root.planFromSnapshot(scenario.state, scenario.signals)

const closed = {}
for (const path of [
  "rekindle/dist/exports/index.js",
  "rekindle/dist/core/domain/index.js",
  "rekindle/adapters/node",
  "rekindle/internal/IdTable.js",
  "rekindle/bin/rekindle.js"
]) {
  closed[path] = await import(path).then(
    () => "importable",
    (e) => e.code
  )
}

console.log(
  JSON.stringify({
    names,
    calls: {
      sessionName: core.sessionNameFor("20260115T143000", "TP-004"),
      waves: waves._tag === "Success" ? waves.success : "failure",
      marker: core.parseMarker('{"status":"failed","summary":"tests red"}'),
      oneDecisionPerTask: report.decisions.length === new Set(scenario.state.tasks.map((t) => t.id)).size,
      layerBuilt: typeof node.layer({ socket: "rekindle-test-probe" }),
      fakeWorldClock: typeof new testing.FakeWorld().clock.now(),
      oneSchemaIdentity: root.BatchState === core.BatchState,
      requireCore: typeof createRequire(import.meta.url)("rekindle/core").reconcile
    },
    closed
  })
)
