/**
 * The taskplane-style import on the sample state in test/fixtures/taskplane: the pure mapping, the
 * import saved as a rekindle batch, and rekindle's own plan on it over the FakeWorld (live lane
 * session, a `.DONE` written after taskplane died, a failed and a blocked task). Plus every refusal.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { repair } from "../../core/engine/usecases/Repair.ts"
import { status } from "../../core/engine/usecases/Status.ts"
import { importState } from "../../core/engine/usecases/Import.ts"
import {
  type ImportRefusedError,
  mapTaskplane,
  parseTaskplane,
  taskplane,
  toBatchState
} from "../../core/import/index.ts"
import { Tmux } from "../../core/ports/Tmux.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { FakeWorld } from "../../adapters/testing.ts"

const FIXTURE = nodePath.join(import.meta.dirname, "../fixtures/taskplane")
/** The repo root the sample's absolute paths use. */
const REPO = "/home/dev/app"
const BATCH = "20260115T143000"
const LANE1 = `${REPO}/.worktrees/lane-1`
const LANE2 = `${REPO}/.worktrees/lane-2`
const STATE_FILE = `${REPO}/.pi/batch-state.json`

/** Every fixture file, relative path → content. */
const fixtureFiles = (dir = FIXTURE, prefix = ""): ReadonlyArray<readonly [string, string]> =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? fixtureFiles(nodePath.join(dir, e.name), `${prefix}${e.name}/`)
        : [[`${prefix}${e.name}`, fs.readFileSync(nodePath.join(dir, e.name), "utf8")] as const]
    )

const sample = () => fs.readFileSync(nodePath.join(FIXTURE, ".pi/batch-state.json"), "utf8")

/** A FakeWorld holding the repo, the sample's files, both lane worktrees and their tmux sessions. */
const crashedTaskplane = async () => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "app\n" })
  for (const [rel, content] of fixtureFiles()) world.writeFile(`${REPO}/${rel}`, content)
  await world.run(
    Effect.gen(function* () {
      const git = yield* Worktrees
      const tmux = yield* Tmux
      yield* git.add(REPO, { path: LANE1, branch: `task/lane-1-${BATCH}`, base: "main" })
      yield* git.add(REPO, { path: LANE2, branch: `task/lane-2-${BATCH}`, base: "main" })
      // taskplane's supervisor died; its lane sessions did not.
      yield* tmux.newSession({ name: "orch-lane-1", cwd: LANE1, argv: ["pi", "--task", "TP-004"] })
      yield* tmux.newSession({ name: "orch-lane-2", cwd: LANE2, argv: ["pi", "--task", "TP-005"] })
    })
  )
  // TP-005 finished after taskplane died: its .DONE is in the lane worktree, unrecorded.
  world.writeFile(`${LANE2}/taskplane-tasks/TP-005-audit-log/.DONE`, "")
  return world
}

const codeOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit)
    ? (exit.cause.reasons[0] as { readonly error?: { readonly code?: unknown } } | undefined)?.error?.code
    : "success"

describe("taskplane mapping (pure)", () => {
  const mapped = toBatchState(
    mapTaskplane({ repoRoot: REPO })({
      doc: parseTaskplane(sample(), STATE_FILE),
      prompts: new Map(),
      stateFile: STATE_FILE
    })
  )

  it("maps the sample to a valid state: waves, statuses, lanes, sessions, worktrees, markers", () => {
    expect(Result.isSuccess(mapped)).toBe(true)
    const state = Result.getOrThrow(mapped)
    expect(state).toMatchObject({
      batchId: BATCH,
      phase: "executing",
      repoRoot: REPO,
      // Lanes are cut from and merged into taskplane's orchestrator branch, not the user's base branch.
      baseBranch: `orch/${BATCH}`,
      createdAt: 1768487400000
    })
    expect(state.waves).toEqual([["TP-001", "TP-002", "TP-003"], ["TP-004", "TP-005", "TP-006"], ["TP-007"]])
    const byId = new Map(state.tasks.map((t) => [t.id, t]))
    expect(state.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ["TP-001", "succeeded", 1],
      ["TP-002", "succeeded", 1],
      ["TP-003", "failed", 1],
      ["TP-004", "running", 1],
      ["TP-005", "running", 1],
      ["TP-006", "pending", 0],
      ["TP-007", "blocked", 0]
    ])
    expect(byId.get("TP-004")).toMatchObject({
      lane: "lane-1",
      session: "orch-lane-1",
      worktree: LANE1,
      branch: `task/lane-1-${BATCH}`,
      doneMarker: `${LANE1}/taskplane-tasks/TP-004-password-reset/.DONE`,
      startedAt: 1768489500000
    })
    // Only the lane's running task owns its session: not a finished lane-mate, not one still to run.
    expect(byId.get("TP-001")?.session).toBeUndefined()
    // Lane numbers repeat per wave: TP-001 ran in wave 1's lane 1, not in the current lane-1 worktree.
    expect(byId.get("TP-001")?.worktree).toBeUndefined()
    expect(byId.get("TP-006")?.session).toBeUndefined()
    expect(byId.get("TP-003")).toMatchObject({ lane: "lane-3", exitReason: "session exited without .DONE" })
    expect(byId.get("TP-003")?.worktree).toBeUndefined()
    expect(state.lanes).toEqual([
      {
        id: "lane-1",
        wave: 1,
        tasks: ["TP-004", "TP-006"],
        branch: `task/lane-1-${BATCH}`,
        session: "orch-lane-1",
        worktree: LANE1
      },
      {
        id: "lane-2",
        wave: 1,
        tasks: ["TP-005"],
        branch: `task/lane-2-${BATCH}`,
        session: "orch-lane-2",
        worktree: LANE2
      }
    ])
    // `partial`: taskplane stopped at lane 3 in its merge order and moved on to wave 2, reusing lanes 1
    // and 2 (their branches now carry wave 2's work): nothing rekindle could merge, recorded as merged.
    const moved =
      "taskplane moved past wave 1: lane(s) 1, 2 taken as merged (their branches now carry a later wave's work)"
    expect(state.merges).toEqual([
      { wave: 0, lane: "lane-3", status: "failed", at: 1768491000000, reason: "lane 3 had no successful task" },
      { wave: 0, lane: "lane-1", status: "succeeded", at: 1768491000000, reason: moved },
      { wave: 0, lane: "lane-2", status: "succeeded", at: 1768491000000, reason: moved }
    ])
    expect(state["importedFrom"]).toEqual({
      source: "taskplane",
      path: STATE_FILE,
      schemaVersion: 2,
      baseBranch: "main",
      orchBranch: `orch/${BATCH}`
    })
  })

  it("markers: 'repo' looks for .DONE in the main checkout's task folder", () => {
    const repoMarkers = Result.getOrThrow(
      toBatchState(
        mapTaskplane({ repoRoot: REPO, markers: "repo" })({
          doc: parseTaskplane(sample(), STATE_FILE),
          prompts: new Map(),
          stateFile: STATE_FILE
        })
      )
    )
    expect(repoMarkers.tasks.find((t) => t.id === "TP-004")?.doneMarker).toBe(
      `${REPO}/taskplane-tasks/TP-004-password-reset/.DONE`
    )
  })

  it("lists every problem at once: unsafe ids, paths outside the repo, unknown dependencies", () => {
    const doc = JSON.parse(sample()) as { tasks: Array<Record<string, unknown>>; lanes: Array<Record<string, unknown>> }
    doc.tasks[0]!["taskId"] = "-rf"
    doc.lanes[1]!["worktreePath"] = "/tmp/elsewhere"
    // A lane outside the repo that git does not list as its worktree is refused; the refusal lists
    // the mapping's own problems too, so one pass shows everything.
    let problems = ""
    try {
      mapTaskplane({ repoRoot: REPO, dependencies: { "TP-004": ["TP-999"] } })({
        doc: parseTaskplane(JSON.stringify(doc), STATE_FILE),
        prompts: new Map(),
        stateFile: STATE_FILE
      })
    } catch (e) {
      problems = (e as ImportRefusedError).problems.map((x) => x.message).join("\n")
    }
    expect(problems).toContain("lane worktree /tmp/elsewhere lies outside the repo")
    expect(problems).toContain(`task id "-rf"`)
    expect(problems).toContain('task "TP-005": worktree /tmp/elsewhere is outside the repo')
    expect(problems).toContain(`depends on unknown task "TP-999"`)
  })
})

describe("importState + plan over the FakeWorld", () => {
  it("imports the sample, and rekindle's plan reconnects the live lane, completes the finished task, continues from wave 2", async () => {
    const world = await crashedTaskplane()
    const imported = await world.run(importState(taskplane({ repoRoot: REPO }), { save: true }))
    expect(imported.saved).toBe(`${REPO}/.rekindle/${BATCH}/state.json`)
    expect(imported.state.tasks.find((t) => t.id === "TP-004")?.prompt).toContain("password-reset flow")
    // Saved as a rekindle batch: the engine's own loader reads it back.
    const loaded = await world.run(loadState({ repoRoot: REPO }))
    expect(loaded.batchId).toBe(BATCH)

    const report = await world.run(plan({ repoRoot: REPO }))
    expect(report.eligibility._tag).toBe("Eligible")
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ["TP-001", "skip"],
      ["TP-002", "skip"],
      ["TP-003", "skip"],
      ["TP-004", "reconnect"],
      ["TP-005", "mark-complete"],
      ["TP-006", "pending"],
      ["TP-007", "pending"]
    ])
    expect(report.resumePoint.resumeWave).toBe(1)
    // Wave 1's merge was partial, but taskplane moved past it: no merge of branches it reused since.
    expect(report.resumePoint.mergeRetryWaves).toEqual([])

    const rows = await world.run(status({ repoRoot: REPO }))
    expect(rows.tasks.filter((t) => t.session === "alive").map((t) => t.id)).toEqual(["TP-004", "TP-005"])
    // taskplane's sessions, worktrees and branches carry no rekindle ownership: repair leaves them be.
    const fixes = await world.run(repair({ repoRoot: REPO }, { dryRun: true }))
    expect(
      fixes.steps.filter(
        (st) => st._tag === "StopSession" || st._tag === "RemoveWorktree" || st._tag === "DeleteBranch"
      )
    ).toEqual([])
  })

  it("never overwrites: a second save of the same batch is E_USAGE and leaves the state as it was", async () => {
    const world = await crashedTaskplane()
    await world.run(importState(taskplane({ repoRoot: REPO }), { save: true }))
    const before = world.memory.fs
    const first = await world.run(
      Effect.flatMap(before.readFileString(`${REPO}/.rekindle/${BATCH}/state.json`), Effect.succeed)
    )
    const again = await world.runExit(importState(taskplane({ repoRoot: REPO }), { save: true }))
    expect(codeOf(again)).toBe("E_USAGE")
    expect(await world.run(before.readFileString(`${REPO}/.rekindle/${BATCH}/state.json`))).toBe(first)
  })

  it("refuses: no state file (E_NO_STATE), not JSON or not taskplane's format (E_STATE_CORRUPT)", async () => {
    const world = new FakeWorld()
    expect(codeOf(await world.runExit(importState(taskplane({ repoRoot: REPO }))))).toBe("E_NO_STATE")
    world.writeFile(STATE_FILE, "{ torn")
    expect(codeOf(await world.runExit(importState(taskplane({ repoRoot: REPO }))))).toBe("E_STATE_CORRUPT")
    world.writeFile(STATE_FILE, JSON.stringify({ ...JSON.parse(sample()), phase: "dancing" }))
    expect(codeOf(await world.runExit(importState(taskplane({ repoRoot: REPO }))))).toBe("E_STATE_CORRUPT")
  })

  it("an unmappable state is E_STATE_CORRUPT with every problem in details (one per task the lane lists), nothing written", async () => {
    const world = await crashedTaskplane()
    const doc = JSON.parse(sample()) as { lanes: Array<Record<string, unknown>> }
    doc.lanes[0]!["worktreePath"] = "/etc"
    world.writeFile(STATE_FILE, JSON.stringify(doc))
    const exit = await world.runExit(importState(taskplane({ repoRoot: REPO }), { save: true }))
    expect(codeOf(exit)).toBe("E_STATE_CORRUPT")
    const details = Exit.isFailure(exit)
      ? (
          exit.cause.reasons[0] as {
            readonly error: { readonly details: { readonly problems: ReadonlyArray<string> } }
          }
        ).error.details
      : undefined
    expect(details?.problems.filter((p) => p.includes("/etc is outside the repo"))).toHaveLength(2)
    expect(await world.run(world.memory.fs.exists(`${REPO}/.rekindle/${BATCH}`))).toBe(false)
  })
})
