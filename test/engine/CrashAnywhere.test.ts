/**
 * Crash anywhere, resume, and the batch ends as an uninterrupted run would (DESIGN §5.1–5.2, 5.5–5.7).
 * Model-based: fast-check drives sequences of faults and resumes over the FakeWorld — the supervisor
 * is killed at any crash point of the apply loop, the tmux server dies, panes crash or exit, worktree
 * directories vanish, state writes are torn, tmux stops answering — and checks the invariants after
 * every command. REKINDLE_CRASH_RUNS raises the number of sequences for a soak.
 */
import fc from "fast-check"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { describe, expect, it } from "vitest"
import { CrashPoint } from "../../core/engine/apply/CrashPoints.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { StateStore } from "../../core/ports/StateStore.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { BATCH, REPO, startBatch } from "../support/world.ts"

const RUNS = Number(process.env["REKINDLE_CRASH_RUNS"] ?? 300)
const TASKS = ["a", "b", "c"]
const ref = { repoRoot: REPO, batchId: BATCH }
const NO_STORM = { windowMs: 1, threshold: 1_000 }

interface Model {
  /** Tasks whose worktree directory a fault deleted (their outcome may differ from a clean run). */
  readonly lostWorktrees: Set<string>
  /** Whether the user's own session should still exist (false once the server was killed). */
  userSession: boolean
  /**
   * Tasks whose agent exited on its own (status ≠ 0, no marker): their outcome is `failed`, exactly as
   * an uninterrupted supervisor records it — never a second run. Forgotten when the tmux server is
   * killed before any rekindle process recorded it: the exit status died with the server.
   */
  readonly exitedOnOwn: Set<string>
}

interface Real {
  readonly world: FakeWorld
}

/** Resume once; when `crashAt` is set, the supervisor dies (SIGKILL) at that crash point. */
const runResume = async (world: FakeWorld, crashAt: number | undefined) => {
  let reached = 0
  const hook = (_label: string) =>
    Effect.suspend(() => {
      reached++
      if (crashAt === undefined || reached !== crashAt) return Effect.void
      world.faults.crash() // the dead process can no longer touch the disk (no lease release either)
      return Effect.die("SIGKILL")
    })
  const exit = await world.runExit(
    resume(ref, { storm: NO_STORM, graceMs: 1_000, supervise: false }).pipe(Effect.provideService(CrashPoint, hook))
  )
  world.restartSupervisor()
  return exit
}

const liveAgentsOk = (world: FakeWorld) => {
  for (const t of TASKS) expect(world.agents.liveOf(t).length, `live agents of ${t}`).toBeLessThanOrEqual(1)
}

const loadAny = (world: FakeWorld) =>
  world.run(
    Effect.gen(function* () {
      return yield* (yield* StateStore).loadWithFallback(batchPaths(REPO, BATCH).state)
    })
  )

const stateDecodes = async (world: FakeWorld) => {
  const loaded = await loadAny(world)
  expect(["Loaded", "BackupOnly"]).toContain(loaded._tag)
}

const userThingsOk = (world: FakeWorld, m: Model) => {
  const sessions = world.tmux.sessions().map((s) => s.name)
  if (m.userSession) expect(sessions).toContain("user-work")
  expect(world.git.resolve(world.git.worktreeAt(REPO)!.repo, "feature/x")).toBeDefined()
}

const check = async (m: Model, r: Real) => {
  liveAgentsOk(r.world)
  userThingsOk(r.world, m)
  await stateDecodes(r.world)
}

const command = (name: string, act: (m: Model, r: Real) => void | Promise<void>): fc.AsyncCommand<Model, Real> => ({
  check: () => true,
  run: async (m, r) => {
    await act(m, r)
    await check(m, r)
  },
  toString: () => name
})

const agentOf = (r: Real, i: number) => r.world.agents.current(TASKS[i % TASKS.length]!)

const commands = [
  fc.nat({ max: 2 }).map((i) =>
    command(`crashPane(${i})`, (_, r) => {
      const a = agentOf(r, i)
      if (a) r.world.crashPane(a.paneId)
    })
  ),
  fc.tuple(fc.nat({ max: 2 }), fc.integer({ min: 1, max: 3 })).map(([i, code]) =>
    command(`exitPane(${i},${code})`, (m, r) => {
      const a = agentOf(r, i)
      if (a) {
        r.world.exitPane(a.paneId, code)
        m.exitedOnOwn.add(TASKS[i % TASKS.length]!)
      }
    })
  ),
  fc.nat({ max: 2 }).map((i) => command(`finish(${i})`, (_, r) => void r.world.agents.finish(TASKS[i]!))),
  fc.constant(
    command("killServer", async (m, r) => {
      r.world.killServer()
      m.userSession = false
      const loaded = await loadAny(r.world)
      const state = loaded._tag === "Loaded" ? loaded.state : loaded._tag === "BackupOnly" ? loaded.backup : undefined
      for (const id of [...m.exitedOnOwn])
        if (state?.tasks.find((t) => t.id === id)?.status !== "failed") m.exitedOnOwn.delete(id)
    })
  ),
  fc.nat({ max: 2 }).map((i) =>
    command(`deleteWorktreeDir(${i})`, (m, r) => {
      const path = `${REPO}/.rekindle/worktrees/${BATCH}/${TASKS[i]}`
      if (r.world.git.worktreeAt(path) !== undefined) {
        r.world.deleteWorktreeDir(path)
        m.lostWorktrees.add(TASKS[i]!)
      }
    })
  ),
  fc.nat({ max: 2 }).map((i) =>
    command(`dirtyWorktree(${i})`, (_, r) => {
      const path = `${REPO}/.rekindle/worktrees/${BATCH}/${TASKS[i]}`
      const wt = r.world.git.worktreeAt(path)
      if (wt !== undefined && wt.wt.dir === "present") r.world.dirtyWorktree(path)
    })
  ),
  // Tear the (skip+1)-th data write from now: the lease, the journal or a state save.
  fc
    .tuple(fc.nat({ max: 400 }), fc.nat({ max: 6 }))
    .map(([at, skip]) =>
      command(`tearNextWrite(${at},skip=${skip})`, (_, r) => void r.world.faults.tearNextWrite(at, skip))
    ),
  fc.boolean().map((on) => command(`tmuxUnreachable(${on})`, (_, r) => r.world.makeServerUnreachable(on))),
  fc
    .integer({ min: 1_000, max: 600_000 })
    .map((ms) => command(`advanceClock(${ms})`, (_, r) => r.world.advanceClock(ms))),
  fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }).map((k) =>
    command(`resume(crashAt=${k})`, async (_, r) => {
      const exit = await runResume(r.world, k)
      if (Exit.isFailure(exit) && k === undefined && r.world.faults.steps === 0) {
        // A resume without injected faults may only fail with a stable engine error, never a defect.
        expect(JSON.stringify(exit)).toMatch(/E_[A-Z_]+/)
      }
    })
  )
]

/** Stop the faults and resume until every task is finished (agents finish as soon as they run). */
const converge = async (r: Real) => {
  r.world.makeServerUnreachable(false)
  for (let round = 0; round < 25; round++) {
    for (const t of TASKS) r.world.agents.finish(t)
    r.world.advanceClock(900_000)
    await runResume(r.world, undefined)
    liveAgentsOk(r.world)
    const state = await loadAny(r.world)
    if (
      state._tag !== "Missing" &&
      (state._tag === "Loaded" ? state.state : state.backup).tasks.every(
        (t) => t.status === "succeeded" || t.status === "failed"
      )
    ) {
      return state._tag === "Loaded" ? state.state : state.backup
    }
  }
  throw new Error("resume did not converge in 25 rounds")
}

describe("crash anywhere, resume, same outcome", () => {
  it(`holds the invariants over ${RUNS} fault sequences and converges to the fault-free outcome`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
        const world = new FakeWorld()
        await startBatch(
          world,
          TASKS.map((id) => ({ id }))
        )
        // Things rekindle does not own: a user session on the same server, a user branch.
        world.tmux.launch("default", {
          name: "user-work",
          cwd: "/",
          argv: ["vim"],
          env: {},
          taskTag: undefined,
          logFile: undefined
        })
        const root = world.git.worktreeAt(REPO)!.repo
        root.refs.set("refs/heads/feature/x", root.refs.get("refs/heads/main")!)
        const model: Model = { lostWorktrees: new Set(), userSession: true, exitedOnOwn: new Set() }
        const real: Real = { world }
        await fc.asyncModelRun(() => ({ model, real }), cmds)
        const final = await converge(real)
        for (const t of final.tasks) {
          if (model.lostWorktrees.has(t.id)) continue
          expect(`${t.id}:${t.status}`).toBe(`${t.id}:${model.exitedOnOwn.has(t.id) ? "failed" : "succeeded"}`)
        }
        userThingsOk(world, model)
      }),
      { numRuns: RUNS }
    )
  }, 600_000)
})
