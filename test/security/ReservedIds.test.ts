/**
 * Task ids that are also names of Object.prototype members (`__proto__`, `constructor`, `toString`)
 * pass the manifest's safe charset, so everything keyed by task id must read and write its own
 * entries only: `record[id] = …` with `__proto__` sets a prototype, and `record[id]` for a missing
 * `__proto__` entry returns Object.prototype. Regression tests on the FakeWorld and the in-process CLI.
 */
import { describe, expect, it } from "vitest"
import { FakeWorld } from "../../adapters/testing.ts"
import { monitorPass } from "../../core/domain/Monitor.ts"
import { observe } from "../../core/engine/support/Observe.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { CliHarness } from "../cli/harness.ts"
import { BATCH, REPO, startBatch } from "../support/world.ts"

const IDS = ["__proto__", "constructor", "toString"]

/** A running batch of the three ids (agents alive, silent: no pane log yet). */
const running = async () => {
  const world = new FakeWorld()
  await startBatch(
    world,
    IDS.map((id) => ({ id }))
  )
  const state = await world.run(loadState({ repoRoot: REPO, batchId: BATCH }))
  return { world, state }
}

describe("task ids named like Object.prototype members", () => {
  it("regression: a silent task named __proto__ was never found stalled (its last-output time read Object.prototype, and now - object is NaN)", async () => {
    const { world, state } = await running()
    const signals = await world.run(observe(state))
    expect(Object.keys(signals.lastOutputAt ?? {})).toEqual([])
    const stallMs = 60_000
    const later = { ...signals, observedAt: signals.observedAt + 3 * stallMs }
    // Stalled first, then given up (the monitor never skips the stalled step).
    const first = monitorPass(state, IDS, later, stallMs)
    expect(first.map((t) => [t.taskId, t.status])).toEqual(IDS.map((id) => [id, "stalled"]))
    const stalled = { ...state, tasks: state.tasks.map((t) => ({ ...t, status: "stalled" as const })) }
    const transitions = monitorPass(stalled, IDS, later, stallMs)
    expect(transitions.map((t) => [t.taskId, t.status])).toEqual(IDS.map((id) => [id, "failed"]))
    expect(transitions.every((t) => /no output for \d+s: given up/.test(t.reason))).toBe(true)
  })

  it("regression: `status --json` failed with E_INTERNAL (lastOutputAgoMs: Expected a finite number) for a batch with a task named __proto__", async () => {
    const h = new CliHarness()
    await startBatch(
      h.world,
      IDS.map((id) => ({ id }))
    )
    const r = await h.run("status", "--json")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { tasks: ReadonlyArray<{ id: string; lastOutputAgoMs: number | null }> }
    expect(doc.tasks.map((t) => [t.id, t.lastOutputAgoMs])).toEqual(IDS.map((id) => [id, null]))
  })

  it("a done marker is seen for each of them (observe keeps own entries)", async () => {
    const { world, state } = await running()
    for (const t of state.tasks) world.writeFile(t.doneMarker!, JSON.stringify({ status: "succeeded" }))
    const signals = await world.run(observe(state))
    expect(IDS.every((id) => Object.hasOwn(signals.markers, id) && signals.markers[id]!.valid)).toBe(true)
    expect(monitorPass(state, IDS, signals, 60_000).map((t) => [t.taskId, t.status])).toEqual(
      IDS.map((id) => [id, "succeeded"])
    )
  })
})
