/**
 * The journal makes every side effect of a plan idempotent (DESIGN §2, §5.2): applying the same
 * plan twice — or again after the supervisor died between an intent and its done line — launches
 * no second agent, takes no second WIP snapshot and kills no session a second time (which would be
 * the relaunched agent's: it has the same session name). FakeWorld only.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { describe, expect, it } from "vitest"
import type { Plan } from "../../core/domain/index.ts"
import { applyPlan } from "../../core/engine/apply/ApplyPlan.ts"
import { CrashPoint } from "../../core/engine/apply/CrashPoints.ts"
import { plan } from "../../core/engine/usecases/Plan.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { claude } from "../../adapters/agent/AgentKinds.ts"
import { transcriptPathFor } from "../../adapters/agent/AgentLauncherFake.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, paneOf, readState, REPO, startBatch } from "../support/world.ts"

const ref = { repoRoot: REPO, batchId: BATCH }
const wtOf = (id: string) => `${REPO}/.rekindle/worktrees/${BATCH}/${id}`

/** a keeps running, b's agent crashed in a dirty worktree, c finished: a plan with every kind of step. */
const scenario = async () => {
  const world = new FakeWorld()
  await startBatch(world, [{ id: "a" }, { id: "b" }, { id: "c" }])
  world.restartSupervisor()
  world.crashPane(paneOf(world, "b"))
  world.dirtyWorktree(wtOf("b"))
  world.agents.finish("c")
  const report = await world.run(plan(ref))
  expect(report.plan.steps.map((s) => s._tag)).toEqual([
    "Reattach",
    "StopSession",
    "SnapshotWip",
    "RelaunchAgent",
    "MarkTask",
    "ContinueFromWave"
  ])
  return { world, report }
}

const wipRefs = (world: FakeWorld, taskId: string) =>
  [...world.git.worktreeAt(REPO)!.repo.refs.keys()].filter((r) => r.startsWith(`refs/rekindle/wip/${taskId}/`))

/** Sessions by name with their ids: a session killed and recreated gets a new id. */
const sessions = (world: FakeWorld) =>
  world.tmux
    .sessions()
    .map((s) => `${s.name}=${s.id}`)
    .sort()

/** Every side effect of the plan happened exactly once. */
const onceEach = (world: FakeWorld) => {
  expect(world.agents.launchesOf("a")).toHaveLength(1)
  expect(world.agents.launchesOf("b")).toHaveLength(2) // the first launch + exactly one relaunch
  expect(world.agents.launchesOf("c")).toHaveLength(1)
  expect(world.agents.liveOf("b")).toHaveLength(1)
  expect(world.agents.liveOf("a")).toHaveLength(1)
  expect(wipRefs(world, "b")).toHaveLength(1)
}

/** Apply `p` to the state as persisted now (what a restarted supervisor starts from). */
const applyAgain = (world: FakeWorld, p: Plan) =>
  world.run(
    Effect.flatMap(
      Effect.promise(() => readState(world)),
      (s) => applyPlan(s, p, { graceMs: 1_000 })
    )
  )

/** Apply once, dying (as SIGKILL would) at crash point `label`; then a new supervisor process. */
const applyCrashingAt = async (world: FakeWorld, p: Plan, state: Parameters<typeof applyPlan>[0], label: string) => {
  const die = (l: string) =>
    Effect.suspend(() => {
      if (l !== label) return Effect.void
      world.faults.crash() // the dead process can no longer touch the disk
      return Effect.die("SIGKILL")
    })
  const exit = await world.runExit(applyPlan(state, p, { graceMs: 1_000 }).pipe(Effect.provideService(CrashPoint, die)))
  world.restartSupervisor()
  return exit
}

/** The crash points one apply of the scenario's plan passes, in order. */
const crashLabels = async () => {
  const labels: Array<string> = []
  const { world, report } = await scenario()
  await world.run(
    applyPlan(report.state, report.plan, { graceMs: 1_000 }).pipe(
      Effect.provideService(CrashPoint, (l: string) => Effect.sync(() => void labels.push(l)))
    )
  )
  return labels
}

const bOf = async (world: FakeWorld) => {
  const b = (await readState(world)).tasks.find((t) => t.id === "b")!
  return { status: b.status, attempts: b.attempts, pid: b.agentProcess?.pid }
}

describe("journal idempotence of applyPlan (FakeWorld)", () => {
  it("a crash between the relaunch intent and its done line, then the same plan again: no second agent", async () => {
    const { world, report } = await scenario()
    const exit = await applyCrashingAt(world, report.plan, report.state, "relaunch:after-launch")
    expect(Exit.isFailure(exit)).toBe(true)
    expect(world.agents.launchesOf("b")).toHaveLength(2) // launched, but neither persisted nor journaled done
    const launched = world.agents.current("b")!
    const sessionsAfterCrash = sessions(world)

    await applyAgain(world, report.plan)
    onceEach(world)
    expect(world.agents.current("b")!.pid).toBe(launched.pid)
    expect(sessions(world)).toEqual(sessionsAfterCrash) // the new session was recognised, not killed
    expect(await bOf(world)).toEqual({ status: "running", attempts: 2, pid: launched.pid })
  })

  it("a crash at any crash point up to the relaunch's done line, then the same plan again: each side effect once", async () => {
    const labels = await crashLabels()
    const upTo = labels.slice(0, labels.indexOf("relaunch:after-launch") + 1)
    expect(upTo).toEqual([
      "step:0:Reattach",
      "step:1:StopSession",
      "stop:before-kill",
      "step:2:SnapshotWip",
      "step:3:RelaunchAgent",
      "relaunch:before-launch",
      "relaunch:after-launch"
    ])
    for (const label of upTo) {
      const { world, report } = await scenario()
      await applyCrashingAt(world, report.plan, report.state, label)
      await applyAgain(world, report.plan)
      expect({
        label,
        launches: world.agents.launchesOf("b").length,
        live: world.agents.liveOf("b").length,
        wip: wipRefs(world, "b").length
      }).toEqual({ label, launches: 2, live: 1, wip: 1 })
      expect({ label, ...(await bOf(world)) }).toEqual({
        label,
        status: "running",
        attempts: 2,
        pid: world.agents.current("b")!.pid
      })
    }
  })

  // BUG (core/engine/apply/TaskSteps.ts stopSession): the journal skips the StopSession step the second
  // time, but `ensureAgentGone` then runs anyway on the task's CURRENT agentProcess — which is now
  // the relaunched agent — and SIGTERMs it. Applying the same plan twice leaves task b with no live
  // agent (liveOf("b") = 0). Fix: run ensureAgentGone only for the identity the plan judged stale
  // (capture task.agentProcess before the journaled call, put it in the intent data, stop it inside
  // `act` and check it in `landed`), and do nothing when the journaled outcome is "skipped".
  it("regression: applying the same plan twice performs each side effect once", async () => {
    const { world, report } = await scenario()
    await world.run(applyPlan(report.state, report.plan, { graceMs: 1_000 }))
    onceEach(world)
    const agent = world.agents.current("b")!
    const sessionsAfterFirst = sessions(world)

    await applyAgain(world, report.plan)
    onceEach(world)
    expect(world.agents.current("b")!.pid).toBe(agent.pid) // not stopped, not replaced
    expect(sessions(world)).toEqual(sessionsAfterFirst) // no session killed or recreated
    expect(await bOf(world)).toEqual({ status: "running", attempts: 2, pid: agent.pid })
  })

  // Same bug, reached by a crash: the relaunch completed (done line written), the supervisor dies
  // before the next step, and the same plan is applied again: the relaunched agent is SIGTERMed.
  it("regression: a crash after the relaunch completed, then the same plan again: the relaunched agent survives", async () => {
    const labels = await crashLabels()
    for (const label of labels.slice(labels.indexOf("relaunch:after-launch") + 1)) {
      const { world, report } = await scenario()
      await applyCrashingAt(world, report.plan, report.state, label)
      const launched = world.agents.current("b")!
      await applyAgain(world, report.plan)
      expect({ label, live: world.agents.liveOf("b").map((l) => l.pid) }).toEqual({ label, live: [launched.pid] })
    }
  })

  // BUG (core/engine/apply/ApplyPlan.ts / PlanContext.ts): applyPlan starts from the state it is given and every
  // update saves `f(that state)`. Re-applying a plan from the state it was made from (what an
  // embedder holding the plan does after a restart) skips the journaled steps — so nothing refreshes
  // the in-memory state — and the next plain update (MarkTask c) persists the stale task b again:
  // attempts 2 → 1 and agentProcess back to the dead agent. The attempt count feeds the relaunch cap
  // and the identity feeds "never two agents". Fix: makeApplying should start from the persisted
  // state when it is newer (reload under the lease, or compare updatedAt), or skipped steps should
  // re-read the state their done line vouches for.
  it("regression: re-applying from the state the plan was made from does not roll back what the first apply recorded", async () => {
    const { world, report } = await scenario()
    await world.run(applyPlan(report.state, report.plan, { graceMs: 1_000 }))
    const recorded = await bOf(world)
    await world.run(applyPlan(report.state, report.plan, { graceMs: 1_000 }))
    onceEach(world)
    expect(await bOf(world)).toEqual(recorded)
  })
})

describe("a relaunch a crash interrupted after it landed", () => {
  // Found by outside eyes: `resume` adopted the landed relaunch (journal done, agent adopted) but wrote no ledger entry
  // for the continuation turn the agent got in its argv, nor a launch line in the task's history.
  it("regression: the next resume adopts it and records its continuation turn once, and its launch in the history", async () => {
    const world = new FakeWorld()
    await startBatch(world, [{ id: "b" }])
    world.restartSupervisor()
    world.crashPane(paneOf(world, "b"))
    // b's conversation is on disk, so the plan resumes it (an exact-conversation relaunch with the continuation turn).
    const conversationId = (await readState(world)).tasks[0]!.conversationId!
    world.writeFile(transcriptPathFor(claude, { cwd: wtOf("b"), conversationId }), '{"type":"user"}\n')
    const report = await world.run(plan(ref))
    const relaunch = report.plan.steps.find((s) => s._tag === "RelaunchAgent")!
    expect(relaunch, JSON.stringify(relaunch)).toMatchObject({ taskId: "b", mode: "resume" })
    await applyCrashingAt(world, report.plan, report.state, "relaunch:after-launch")
    await world.run(resume(ref, { supervise: false }))
    await world.run(resume(ref, { supervise: false }))
    expect(world.agents.launchesOf("b")).toHaveLength(2)
    const state = await readState(world)
    expect(state.prompts.filter((p) => p.key === "continue:b:2")).toHaveLength(1)
    expect(state.tasks.find((t) => t.id === "b")!.history?.filter((h) => h.event === "launch:resume")).toHaveLength(1)
  })
})
