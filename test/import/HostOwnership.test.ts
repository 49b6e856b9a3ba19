/**
 * What rekindle never removes in an imported batch: the host's worktrees, branches and sessions. A
 * taskplane batch (test/fixtures/taskplane/states.ts, taskplane's real format) is carried to
 * `completed` by rekindle over the FakeWorld; the lane worktrees, their branches and the host's
 * sessions are still there, and the worktree rekindle made itself for a never-allocated task is gone.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { FakeWorld } from "../../adapters/testing.ts"
import { importState } from "../../core/engine/usecases/Import.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { clean } from "../../core/engine/usecases/Clean.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { taskplane } from "../../core/import/index.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { rekindleMadeWorktree, sessionNameFor, worktreeFor } from "../../core/domain/Naming.ts"
import { findOrphans, type Inventory } from "../../core/domain/Orphans.ts"
import type { BatchState, Task } from "../../core/domain/State.ts"
import { BATCH, batchState, laneBranch, laneWorktree, siblingWorktree } from "../fixtures/taskplane/states.ts"

const ROOT = "/home/dev/shop"

const world = async () => {
  const w = new FakeWorld()
  w.git.initRepo(ROOT, { "README.md": "shop\n" })
  for (const n of [1, 2]) w.addWorktree(ROOT, laneWorktree(ROOT, n), laneBranch(n), "main")
  w.writeFile(`${ROOT}/.pi/batch-state.json`, JSON.stringify(batchState({ root: ROOT, orchBranch: "" })))
  for (const id of ["TP-201", "TP-202", "TP-203", "TP-301", "TP-302"])
    w.agents.scripts.set(id, { afterMs: 3_000, then: "succeed" })
  return w
}

describe("an imported batch's resources stay the host's", () => {
  it("regression: a taskplane batch carried to completed keeps its lane worktrees, lane branches and the host's sessions; rekindle's own worktree is cleaned", async () => {
    const w = await world()
    // taskplane's own session (untagged), alive: its operator's dashboard.
    w.startSession("orch-dev", ROOT, ["sleep", "100000"])
    await w.run(importState(taskplane({ repoRoot: ROOT }), { save: true }))
    await w.run(
      resume({ repoRoot: ROOT, batchId: BATCH }).pipe(
        Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })
      )
    )
    const after = await w.run(loadState({ repoRoot: ROOT, batchId: BATCH }))
    expect(after.phase).toBe("completed")
    expect(after.tasks.every((t) => t.status === "succeeded")).toBe(true)
    const own = `${ROOT}/.rekindle/worktrees/${BATCH}/TP-301`
    const seen = await w.run(
      Effect.gen(function* () {
        const git = yield* Worktrees
        return {
          paths: yield* git.pathStates([laneWorktree(ROOT, 1), laneWorktree(ROOT, 2), own]),
          laneBranches: [yield* git.branchExists(ROOT, laneBranch(1)), yield* git.branchExists(ROOT, laneBranch(2))],
          ownBranch: yield* git.branchExists(ROOT, `rekindle/${BATCH}/TP-301`)
        }
      })
    )
    // The host's: still there.
    expect(seen.paths[laneWorktree(ROOT, 1)]).toBe("present")
    expect(seen.paths[laneWorktree(ROOT, 2)]).toBe("present")
    expect(seen.laneBranches).toEqual([true, true])
    const sessions = w.tmux.sessions().map((x) => x.name)
    expect(sessions).toEqual(expect.arrayContaining(["orch-dev", "orch-dev-lane-1", "orch-dev-lane-2"]))
    // rekindle's own, for a task taskplane never allocated: cleaned, its session (rekindle's name) closed.
    expect(seen.paths[own]).toBe("missing")
    expect(seen.ownBranch).toBe(false)
    expect(sessions).not.toContain(`rk-${BATCH}-TP-301`)
    expect(sessions).not.toContain(`rk-${BATCH}-TP-202`)
  })

  it("regression: clean of an imported batch keeps the host's lane worktrees and branches (reported), removes rekindle's own", async () => {
    const w = await world()
    await w.run(importState(taskplane({ repoRoot: ROOT }), { save: true }))
    const own = `${ROOT}/.rekindle/worktrees/${BATCH}/TP-301`
    w.addWorktree(ROOT, own, `rekindle/${BATCH}/TP-301`, "main")
    await w.run(clean({ repoRoot: ROOT, batchId: BATCH }, { dryRun: false }))
    const seen = await w.run(
      Effect.gen(function* () {
        const git = yield* Worktrees
        return {
          paths: yield* git.pathStates([laneWorktree(ROOT, 1), laneWorktree(ROOT, 2), own]),
          laneBranches: [yield* git.branchExists(ROOT, laneBranch(1)), yield* git.branchExists(ROOT, laneBranch(2))]
        }
      })
    )
    expect(seen.paths[laneWorktree(ROOT, 1)]).toBe("present")
    expect(seen.paths[laneWorktree(ROOT, 2)]).toBe("present")
    expect(seen.laneBranches).toEqual([true, true])
    expect(seen.paths[own]).toBe("missing")
  })

  it("sibling lane worktrees (worktree_location: sibling) registered with git are accepted, carried to completed and kept; unregistered ones are refused", async () => {
    const w = new FakeWorld()
    w.git.initRepo(ROOT, { "README.md": "shop\n" })
    for (const n of [1, 2]) w.addWorktree(ROOT, siblingWorktree(ROOT, n), laneBranch(n), "main")
    w.writeFile(
      `${ROOT}/.pi/batch-state.json`,
      JSON.stringify(batchState({ root: ROOT, orchBranch: "", sibling: true }))
    )
    for (const id of ["TP-201", "TP-202", "TP-203", "TP-301", "TP-302"])
      w.agents.scripts.set(id, { afterMs: 3_000, then: "succeed" })
    // Not registered yet (git's admin files are what `git worktree list` reads): refused, nothing written.
    const refused = await w.runExit(importState(taskplane({ repoRoot: ROOT }), { save: true }))
    expect(JSON.stringify(refused)).toContain("is not one of its registered worktrees")
    expect(await w.run(w.memory.fs.exists(`${ROOT}/.rekindle/${BATCH}`))).toBe(false)
    for (const n of [1, 2]) w.writeFile(`${ROOT}/.git/worktrees/lane-${n}/gitdir`, `${siblingWorktree(ROOT, n)}/.git\n`)
    const imported = await w.run(importState(taskplane({ repoRoot: ROOT }), { save: true }))
    expect(imported.state.worktreeRoot).toBe(`/home/dev/dev-${BATCH}`)
    await w.run(
      resume({ repoRoot: ROOT, batchId: BATCH }).pipe(
        Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })
      )
    )
    expect((await w.run(loadState({ repoRoot: ROOT, batchId: BATCH }))).phase).toBe("completed")
    expect(w.agents.launchesOf("TP-202").map((l) => l.cwd)).toEqual([siblingWorktree(ROOT, 1)])
    const paths = await w.run(
      Effect.gen(function* () {
        return yield* (yield* Worktrees).pathStates([siblingWorktree(ROOT, 1), siblingWorktree(ROOT, 2)])
      })
    )
    expect(Object.values(paths)).toEqual(["present", "present"])
  })
})

const REPO = "/r"
const task = (id: string, extra: Partial<Task> = {}): Task => ({
  id,
  status: "succeeded",
  dependsOn: [],
  agent: "shell",
  prompt: "",
  attempts: 1,
  worktree: worktreeFor(REPO, "b1", id),
  branch: `rekindle/b1/${id}`,
  ...extra
})
const completed = (tasks: ReadonlyArray<Task>, imported: boolean): BatchState => ({
  version: 1,
  batchId: "b1",
  phase: "completed",
  repoRoot: REPO,
  baseBranch: "main",
  waves: [tasks.map((t) => t.id)],
  tasks,
  lanes: [],
  merges: [],
  counters: {},
  errors: [],
  logCheckpoints: {},
  prompts: [],
  createdAt: 1,
  updatedAt: 2,
  ...(imported ? { importedFrom: { source: "host" } } : {})
})
const pane = (sessionName: string, taskTag: string) => ({
  sessionId: `$${sessionName}`,
  sessionName,
  paneId: `%${sessionName}`,
  panePid: 10,
  dead: true,
  currentCommand: "bash",
  taskTag
})
const inventoryOf = (s: BatchState, panes: ReadonlyArray<ReturnType<typeof pane>>): Inventory => ({
  repoRoot: REPO,
  tmux: { state: "up", panes },
  worktrees: s.tasks.map((t) => ({
    path: t.worktree!,
    branch: t.branch!,
    bare: false,
    detached: false,
    locked: false,
    prunable: false,
    dirty: false
  })),
  branches: s.tasks.map((t) => t.branch!),
  merged: s.tasks.map((t) => t.branch!)
})

describe("who made a task's worktree (rekindleMadeWorktree)", () => {
  it("the persisted worktreeOwner decides; absent, a batch rekindle ran is rekindle's, an imported one only at rekindle's own path", () => {
    const host = task("h", { worktree: `${REPO}/.worktrees/lane-1`, branch: "task/lane-1" })
    expect(rekindleMadeWorktree(completed([task("a")], false), task("a"))).toBe(true)
    expect(rekindleMadeWorktree(completed([host], false), host)).toBe(true)
    expect(rekindleMadeWorktree(completed([host], true), host)).toBe(false)
    expect(rekindleMadeWorktree(completed([task("a")], true), task("a"))).toBe(true)
    expect(rekindleMadeWorktree(completed([], true), task("a", { worktreeOwner: "host" }))).toBe(false)
    expect(rekindleMadeWorktree(completed([], true), { ...host, worktreeOwner: "rekindle" })).toBe(true)
  })

  it("regression: repair of a completed imported batch proposes nothing for the host's worktree, branch and session", () => {
    const host = task("h", {
      worktree: `${REPO}/.worktrees/lane-1`,
      branch: "task/lane-1",
      session: "lane-1",
      worktreeOwner: "host"
    })
    const s = completed([host, task("own", { session: "rk-b1-own", worktreeOwner: "rekindle" })], true)
    const orphans = findOrphans(
      [s],
      inventoryOf(s, [pane("lane-1", "b1/h"), pane(sessionNameFor("b1", "h"), "b1/h"), pane("rk-b1-own", "b1/own")])
    )
    const steps = orphans.flatMap((o) => o.steps)
    const touches = (what: string) => steps.some((x) => JSON.stringify(x).includes(what))
    expect(touches(".worktrees/lane-1")).toBe(false)
    expect(touches("task/lane-1")).toBe(false)
    expect(touches('"session":"lane-1"')).toBe(false)
    // rekindle's own: its worktree, branch and sessions (one made under rekindle's name for the host's task too).
    expect(touches(worktreeFor(REPO, "b1", "own"))).toBe(true)
    expect(touches('"branch":"rekindle/b1/own"')).toBe(true)
    expect(touches('"session":"rk-b1-own"')).toBe(true)
    expect(touches(`"session":"${sessionNameFor("b1", "h")}"`)).toBe(true)
  })

  it("a completed batch written by `rekindle run` of the previous version (no worktreeOwner) is still cleaned by repair", () => {
    const s = completed([task("a", { session: "rk-b1-a" })], false)
    const steps = findOrphans([s], inventoryOf(s, [pane("rk-b1-a", "b1/a")])).flatMap((o) => o.steps)
    expect(steps.map((x) => x._tag)).toEqual(["StopSession", "RemoveWorktree", "DeleteBranch"])
  })
})
