/**
 * Every format fact of a real taskplane state (test/fixtures/taskplane/states.ts writes them in
 * taskplane's format), imported over the FakeWorld: what the saved state says, what rekindle's plan
 * decides on it, and every refusal (its code, every problem at once, nothing written).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { describe, expect, it } from "vitest"
import { FakeWorld } from "../../adapters/testing.ts"
import { importState } from "../../core/engine/usecases/Import.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { ExecutorSettings } from "../../core/engine/waves/WaveSettings.ts"
import { taskplane, type TaskplaneOptions } from "../../core/import/index.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import {
  BATCH,
  batchState,
  laneBranch,
  laneWorktree,
  ORCH,
  registry,
  supervisorLock,
  taskFolder,
  type StateCase
} from "../fixtures/taskplane/states.ts"

const ROOT = "/home/dev/shop"
const STATE_FILE = `${ROOT}/.pi/batch-state.json`

/** A FakeWorld with the repo, both lane worktrees, and the case's state file. */
const world = async (c: Omit<StateCase, "root"> = {}) => {
  const w = new FakeWorld()
  w.git.initRepo(ROOT, { "README.md": "shop\n" })
  await w.run(
    Effect.gen(function* () {
      const git = yield* Worktrees
      for (const n of [1, 2]) yield* git.add(ROOT, { path: laneWorktree(ROOT, n), branch: laneBranch(n), base: "main" })
    })
  )
  w.writeFile(STATE_FILE, JSON.stringify(batchState({ root: ROOT, ...c })))
  return w
}

const adapter = (options: Partial<TaskplaneOptions> = {}) => taskplane({ repoRoot: ROOT, ...options })

const importAndPlan = async (w: FakeWorld, options: Partial<TaskplaneOptions> = {}) => {
  const imported = await w.run(importState(adapter(options), { save: true }))
  const report = await w.run(plan({ repoRoot: ROOT }))
  const action = (id: string) => report.decisions.find((d) => d.taskId === id)?.action
  return { state: imported.state, report, action }
}

const failure = (exit: Exit.Exit<unknown, unknown>) => {
  if (!Exit.isFailure(exit)) return undefined
  return (
    exit.cause.reasons[0] as {
      readonly error?: {
        readonly code: string
        readonly message: string
        readonly details?: {
          readonly problems: ReadonlyArray<string>
          readonly refusals?: ReadonlyArray<{ code: string }>
        }
      }
    }
  ).error
}

const refusedWith = async (w: FakeWorld, options: Partial<TaskplaneOptions> = {}) => {
  const error = failure(await w.runExit(importState(adapter(options), { save: true })))
  // Nothing written: no rekindle state for the batch.
  expect(await w.run(w.memory.fs.exists(`${ROOT}/.rekindle/${BATCH}`))).toBe(false)
  return error
}

describe("taskplane format facts", () => {
  it("a mid-batch state imports: tasks not allocated yet (laneNumber 0, no session, no folder) get rekindle's own worktree and branch", async () => {
    const { state, action } = await importAndPlan(await world())
    const tp301 = state.tasks.find((t) => t.id === "TP-301")!
    expect(tp301).toMatchObject({
      status: "pending",
      worktree: `${ROOT}/.rekindle/worktrees/${BATCH}/TP-301`,
      branch: `rekindle/${BATCH}/TP-301`
    })
    expect(tp301.lane).toBeUndefined()
    expect(tp301.session).toBeUndefined()
    expect(tp301.doneMarker).toBeUndefined()
    expect(action("TP-301")).toBe("pending")
  })

  it("orchBranch is the merge target; the user's base branch is kept in the provenance", async () => {
    const { state } = await importAndPlan(await world())
    expect(state.baseBranch).toBe(ORCH)
    expect(state["importedFrom"]).toMatchObject({ baseBranch: "main", orchBranch: ORCH, schemaVersion: 4 })
  })

  it("legacy (no orchBranch): the base branch is the target", async () => {
    const { state } = await importAndPlan(await world({ orchBranch: "" }))
    expect(state.baseBranch).toBe("main")
  })

  it("a v1 file (no baseBranch, orchBranch, mode) is refused until the base branch is named, then imports", async () => {
    const w = await world({ schemaVersion: 1 })
    const error = await refusedWith(w)
    expect(error?.code).toBe("E_STATE_CORRUPT")
    expect(error?.message).toContain("records no base branch (a v1 file)")
    const { state } = await importAndPlan(w, { baseBranch: "main" })
    expect(state.baseBranch).toBe("main")
  })

  it("an empty baseBranch is refused at import, not at merge time", async () => {
    const error = await refusedWith(await world({ baseBranch: "", orchBranch: "" }))
    expect(error?.code).toBe("E_STATE_CORRUPT")
    expect(error?.message).toContain('"baseBranch": ""')
  })

  it("failedLane -1 (the final ref update failed) fails the whole wave: its lanes are merged again", async () => {
    const { state, report } = await importAndPlan(
      await world({
        currentWave: 0,
        phase: "paused",
        mergeResults: [{ waveIndex: 0, status: "partial", failedLane: -1, failureReason: "update-ref failed" }]
      })
    )
    expect(state.merges).toEqual([{ wave: 0, status: "failed", at: expect.any(Number), reason: "update-ref failed" }])
    expect(report.plan.steps).toContainEqual(
      expect.objectContaining({ _tag: "RetryMerge", wave: 0, lanes: ["lane-1", "lane-2"] })
    )
  })

  it("a partial merge re-merges every mergeable lane (taskplane stopped at the first failing lane in its order)", async () => {
    const { state, report } = await importAndPlan(
      await world({
        currentWave: 0,
        phase: "paused",
        tasks: { "TP-102": { status: "succeeded" } },
        mergeResults: [{ waveIndex: 0, status: "partial", failedLane: 1, failureReason: "conflict in lane 1" }]
      })
    )
    expect(state.merges).toEqual([
      { wave: 0, lane: "lane-1", status: "failed", at: expect.any(Number), reason: "conflict in lane 1" }
    ])
    // Lane 2 may or may not have reached the target: it is merged again (a no-op when it did).
    expect(report.plan.steps).toContainEqual(
      expect.objectContaining({ _tag: "RetryMerge", wave: 0, lanes: ["lane-1", "lane-2"] })
    )
  })

  it("regression: an earlier wave's lane known unmerged, whose branch taskplane no longer records, is refused (E_NOT_RESUMABLE), not paused at merge time", async () => {
    for (const [mergeResults, lanes] of [
      [[{ waveIndex: 0, status: "partial" as const, failedLane: 2, failureReason: "conflict in lane 2" }], "2"],
      [[{ waveIndex: 0, status: "failed" as const, failedLane: null, failureReason: "verification failed" }], "1, 2"],
      [[{ waveIndex: 0, status: "partial" as const, failedLane: -1, failureReason: "update-ref failed" }], "1, 2"]
    ] as const) {
      const error = await refusedWith(await world({ mergeResults }))
      expect(error?.code).toBe("E_NOT_RESUMABLE")
      expect(error?.message).toContain(`no longer records the branch of lane(s) ${lanes} `)
    }
  })

  it("regression: an earlier wave's other lanes taskplane moved past are taken as merged (nothing left to merge), with a warning", async () => {
    for (const mergeResults of [
      [{ waveIndex: 0, status: "partial" as const, failedLane: 3, failureReason: "lane 3 had no successful task" }],
      []
    ]) {
      const { state, report } = await importAndPlan(await world({ mergeResults }))
      expect(report.plan.steps.filter((x) => x._tag === "RetryMerge")).toEqual([])
      expect(state.errors.map((e) => e.message).join("\n")).toContain(
        "taskplane moved past wave 1: lane(s) 1, 2 taken as merged"
      )
    }
  })

  it("the same wave still in progress (its lanes recorded) re-merges through its lane branches", async () => {
    const { report } = await importAndPlan(
      await world({
        currentWave: 0,
        phase: "paused",
        mergeResults: [{ waveIndex: 0, status: "failed", failedLane: null, failureReason: "verification failed" }]
      })
    )
    const retry = report.plan.steps.find((x) => x._tag === "RetryMerge")
    expect(retry).toMatchObject({ wave: 0, lanes: ["lane-1", "lane-2"] })
  })

  const DONE_PLACES: ReadonlyArray<readonly [string, (root: string) => string]> = [
    ["the task folder", (r) => `${taskFolder(r, "TP-203")}/.DONE`],
    ["<parent>/archive/<folder>", (r) => `${r}/taskplane/tasks/archive/TP-203-audit/.DONE`],
    ["the task folder's path in the lane worktree", (r) => `${laneWorktree(r, 2)}/taskplane/tasks/TP-203-audit/.DONE`],
    ["the archive inside the lane worktree", (r) => `${laneWorktree(r, 2)}/taskplane/tasks/archive/TP-203-audit/.DONE`]
  ]
  for (const [where, path] of DONE_PLACES) {
    it(`.DONE in ${where} completes the task (its agent never runs twice)`, async () => {
      const w = await world()
      w.writeFile(path(ROOT), "")
      const { action } = await importAndPlan(w)
      expect(action("TP-203")).toBe("mark-complete")
    })
  }

  it("an unfinished segment frontier is never marked complete by a premature .DONE", async () => {
    const w = await world({
      tasks: { "TP-203": { segmentIds: ["TP-203::api", "TP-203::web"] } },
      segments: [
        { segmentId: "TP-203::api", taskId: "TP-203", repoId: "api", status: "succeeded" },
        { segmentId: "TP-203::web", taskId: "TP-203", repoId: "web", status: "running" }
      ]
    })
    w.writeFile(`${laneWorktree(ROOT, 2)}/taskplane/tasks/TP-203-audit/.DONE`, "")
    const { state, action } = await importAndPlan(w)
    expect(action("TP-203")).not.toBe("mark-complete")
    expect(state.errors.map((e) => e.message).join("\n")).toContain("TP-203: taskplane segment frontier unfinished")
  })

  it("lane-mates share the lane worktree; only the running one owns the lane's session", async () => {
    const { state } = await importAndPlan(await world())
    const byId = new Map(state.tasks.map((t) => [t.id, t]))
    expect(byId.get("TP-201")).toMatchObject({ worktree: laneWorktree(ROOT, 1), session: "orch-dev-lane-1" })
    expect(byId.get("TP-202")).toMatchObject({ worktree: laneWorktree(ROOT, 1), status: "pending" })
    expect(byId.get("TP-202")?.session).toBeUndefined()
  })

  it("a registry agent still running (pid alive) is held, never given a second agent; a dead one is relaunched", async () => {
    const w = await world()
    const live = w.procs.spawn(["node", "pi-agent", "--task", "TP-201"])
    w.writeFile(
      `${ROOT}/.pi/runtime/${BATCH}/registry.json`,
      JSON.stringify(
        registry([
          { taskId: "TP-201", lane: 1, pid: live.pid, status: "running" },
          { taskId: "TP-203", lane: 2, pid: 999_999, status: "running" }
        ])
      )
    )
    const { state, action } = await importAndPlan(w)
    expect(state.tasks.find((t) => t.id === "TP-201")?.agentProcess?.pid).toBe(live.pid)
    expect(action("TP-201")).toBe("hold")
    expect(action("TP-203")).toBe("re-execute")
  })

  // Found by outside eyes: taskplane writes each agent's manifest before the child counts as started and calls the
  // manifests authoritative; registry.json is a throttled snapshot. A live worker only in its manifest got a second agent.
  it("regression: a live agent recorded only in its manifest (registry.json not yet updated) is held", async () => {
    const w = await world()
    const live = w.procs.spawn(["node", "pi-agent", "--task", "TP-201"])
    w.writeFile(`${ROOT}/.pi/runtime/${BATCH}/registry.json`, JSON.stringify(registry([])))
    const [id, manifest] = Object.entries(
      registry([{ taskId: "TP-201", lane: 1, pid: live.pid, status: "running" }]).agents
    )[0]!
    w.writeFile(`${ROOT}/.pi/runtime/${BATCH}/agents/${id}/manifest.json`, JSON.stringify(manifest))
    const { state, action } = await importAndPlan(w)
    expect(state.tasks.find((t) => t.id === "TP-201")?.agentProcess?.pid).toBe(live.pid)
    expect(action("TP-201")).toBe("hold")
  })

  it("taskplane's blockedTaskIds verdict is kept without the dependencies option", async () => {
    const { report } = await importAndPlan(await world({ blockedTaskIds: ["TP-302"] }))
    expect(report.resumePoint.blocked).toContain("TP-302")
    // Found by outside eyes: the plan said "pending — not started yet" for a task it will never run.
    expect(report.decisions.find((d) => d.taskId === "TP-302")?.reason).toMatch(/^blocked: /)
    expect(report.plan.steps).not.toContainEqual(expect.objectContaining({ _tag: "MarkTask", taskId: "TP-302" }))
  })

  it("phase launching is refused (E_NOT_RESUMABLE): taskplane may still be starting the batch", async () => {
    const error = await refusedWith(await world({ phase: "launching" }))
    expect(error?.code).toBe("E_NOT_RESUMABLE")
    expect(error?.message).toContain("is launching")
  })

  it("a live supervisor lock is refused (E_LOCKED); a stale heartbeat or a dead pid is not", async () => {
    const w = await world()
    const supervisor = w.procs.spawn(["pi", "--supervisor"])
    w.writeFile(
      `${ROOT}/.pi/supervisor/lock.json`,
      JSON.stringify(supervisorLock(supervisor.pid, w.clock.now() - 20_000))
    )
    const error = await refusedWith(w)
    expect(error?.code).toBe("E_LOCKED")
    expect(error?.message).toContain(`pid ${supervisor.pid}`)
    w.writeFile(
      `${ROOT}/.pi/supervisor/lock.json`,
      JSON.stringify(supervisorLock(supervisor.pid, w.clock.now() - 120_000))
    )
    await importAndPlan(w)
  })

  it("a lock whose supervisor died is stale: the import goes ahead", async () => {
    const w = await world()
    const supervisor = w.procs.spawn(["pi", "--supervisor"])
    w.procs.kill(supervisor.pid, "SIGKILL")
    w.writeFile(`${ROOT}/.pi/supervisor/lock.json`, JSON.stringify(supervisorLock(supervisor.pid, w.clock.now())))
    await importAndPlan(w)
  })

  it("an unknown schemaVersion is refused (E_STATE_VERSION)", async () => {
    const error = await refusedWith(await world({ schemaVersion: 5 }))
    expect(error?.code).toBe("E_STATE_VERSION")
    expect(error?.message).toContain("schema version 5")
  })

  it("a workspace (polyrepo) batch is refused with the reason (E_UNSUPPORTED)", async () => {
    const error = await refusedWith(await world({ mode: "workspace" }))
    expect(error?.code).toBe("E_UNSUPPORTED")
    expect(error?.message).toContain("workspace (polyrepo)")
  })

  // Found by outside eyes: a state with several shape faults reported only the first (three round trips to fix), and a
  // shape fault hid a live supervisor lock and phase launching, inviting an edit of a file taskplane still owns.
  it("regression: a state that does not decode lists every shape problem, after the refusals that say taskplane still runs it", async () => {
    const w = await world({ phase: "launching" })
    const doc = JSON.parse(await w.run(w.memory.fs.readFileString(STATE_FILE)))
    doc.tasks[0].status = "weird"
    doc.tasks[1].startedAt = "yesterday"
    w.writeFile(STATE_FILE, JSON.stringify(doc))
    const supervisor = w.procs.spawn(["pi", "--supervisor"])
    w.writeFile(`${ROOT}/.pi/supervisor/lock.json`, JSON.stringify(supervisorLock(supervisor.pid, w.clock.now())))
    const error = await refusedWith(w)
    expect(error?.code).toBe("E_LOCKED")
    expect(error?.details?.refusals?.map((r) => r.code)).toEqual([
      "E_LOCKED",
      "E_NOT_RESUMABLE",
      "E_STATE_CORRUPT",
      "E_STATE_CORRUPT"
    ])
    const shape = error?.details?.problems.slice(2).join("\n") ?? ""
    expect(shape).toContain('["tasks"][0]["status"]')
    expect(shape).toContain('["tasks"][1]["startedAt"]')
  })

  it("every problem at once, the most decisive code first", async () => {
    const error = await refusedWith(
      await world({ phase: "launching", mode: "workspace", baseBranch: "", orchBranch: "" })
    )
    expect(error?.details?.refusals?.map((r) => r.code)).toEqual([
      "E_NOT_RESUMABLE",
      "E_UNSUPPORTED",
      "E_STATE_CORRUPT"
    ])
    expect(error?.code).toBe("E_NOT_RESUMABLE")
  })
})

describe("a taskplane batch carried to its end by rekindle (FakeWorld agents)", () => {
  it("lane-mates run one after another in their lane's worktree, never two agents at once; never-allocated tasks launch in rekindle's own worktrees", async () => {
    const w = await world({ orchBranch: "" })
    for (const id of ["TP-201", "TP-202", "TP-203", "TP-301", "TP-302"])
      w.agents.scripts.set(id, { afterMs: 3_000, then: "succeed" })
    const crowded: Array<string> = []
    const launched = w.agents.launched.bind(w.agents)
    w.agents.launched = (pane, argv, cwd, env) => {
      const beside = w.agents.launches.filter(
        (l) => l.cwd === cwd && w.agents.liveOf(l.taskId).some((x) => x.pid === l.pid)
      )
      if (beside.length > 0) crowded.push(`${env["REKINDLE_TASK"]} beside ${beside.map((l) => l.taskId).join(",")}`)
      launched(pane, argv, cwd, env)
    }
    await w.run(importState(adapter(), { save: true }))
    await w.run(
      resume({ repoRoot: ROOT, batchId: BATCH }).pipe(
        Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })
      )
    )
    expect(crowded).toEqual([])
    expect(w.agents.launchesOf("TP-202").map((l) => l.cwd)).toEqual([laneWorktree(ROOT, 1)])
    expect(w.agents.launchesOf("TP-301").map((l) => l.cwd)).toEqual([`${ROOT}/.rekindle/worktrees/${BATCH}/TP-301`])
    const after = await w.run(loadState({ repoRoot: ROOT, batchId: BATCH }))
    expect(after.tasks.map((t) => [t.id, t.status])).toEqual([
      ["TP-101", "succeeded"],
      ["TP-102", "succeeded"],
      ["TP-201", "succeeded"],
      ["TP-202", "succeeded"],
      ["TP-203", "succeeded"],
      ["TP-301", "succeeded"],
      ["TP-302", "succeeded"]
    ])
  })
})
