/**
 * Gemini CLI's folder trust under the `trustRepository` policy (FakeWorld): the first launch records
 * `"<repository root>": "TRUST_FOLDER"` in ~/.gemini/trustedFolders.json and says so in the task's history; a
 * `DO_NOT_TRUST` the user chose for the root is never overwritten, and the history and the plan of a relaunch say so.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { FAKE_HOME } from "../../adapters/agent/AgentLauncherFake.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { BATCH, paneOf, readState, REPO, startBatch } from "../support/world.ts"

const FILE = `${FAKE_HOME}/.gemini/trustedFolders.json`
const ref = { repoRoot: REPO, batchId: BATCH }

const read = (world: FakeWorld) =>
  Effect.runSync(Effect.orElseSucceed(world.memory.fs.readFileString(FILE), () => undefined))

const trustEvents = async (world: FakeWorld) =>
  ((await readState(world)).tasks[0]!.history ?? []).filter((h) => h.event === "trust").map((h) => h.reason)

describe("gemini's folder trust", () => {
  it("the first launch records the repository root as TRUST_FOLDER, keeping the other folders' rules", async () => {
    const world = new FakeWorld()
    world.writeFile(FILE, JSON.stringify({ "/elsewhere": "DO_NOT_TRUST" }))
    await startBatch(world, [{ id: "g", agent: "gemini" }])
    expect(JSON.parse(read(world) ?? "{}")).toEqual({ "/elsewhere": "DO_NOT_TRUST", [REPO]: "TRUST_FOLDER" })
    expect(await trustEvents(world)).toEqual([`recorded ["${REPO}"] = "TRUST_FOLDER" in ${FILE}`])
  })

  it("regression: the user's DO_NOT_TRUST for the root is left byte for byte; history and plan say so", async () => {
    const world = new FakeWorld()
    const text = JSON.stringify({ [REPO]: "DO_NOT_TRUST" })
    world.writeFile(FILE, text)
    await startBatch(world, [{ id: "g", agent: "gemini" }])
    expect(read(world)).toBe(text)
    const [event] = await trustEvents(world)
    expect(event).toMatch(/^left \["\/work\/repo"\] = "DO_NOT_TRUST" in .*: the user's own answer, never overwritten/)
    world.restartSupervisor()
    world.crashPane(paneOf(world, "g"))
    const report = await world.run(plan(ref))
    expect(report.plan.steps.some((s) => s._tag === "RelaunchAgent" && s.taskId === "g")).toBe(true)
    expect(report.configChanges).toEqual([`gemini: ${event}`])
    expect(read(world)).toBe(text)
  })
})
