import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { ExecutorEvents, ExecutorSettings, type ExecutorEvent } from "../../core/engine/waves/WaveSettings.ts"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { prepare, run } from "../../core/engine/usecases/Run.ts"
import { saveState } from "../../core/engine/support/StateIO.ts"
import { FakeWorld, type AgentScript } from "../../adapters/testing.ts"
import { REPO } from "../support/world.ts"

const MANIFEST = "/work/manifest.json"
const fast = Effect.provideService(ExecutorSettings, { pollMs: 1_000, graceMs: 1_000 })

/** A world with a repo and a manifest of `tasks` (agent scripts by id). */
const setup = async (
  tasks: ReadonlyArray<{ id: string; dependsOn?: Array<string>; lane?: string }>,
  scripts: Record<string, AgentScript>,
  options: object = {}
) => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "hello\n" })
  for (const [id, s] of Object.entries(scripts)) world.agents.scripts.set(id, s)
  const manifest = {
    tasks: tasks.map((t) => ({ agent: "claude", prompt: `do ${t.id}`, ...t })),
    options: { batchId: "b1", ...options }
  }
  world.writeFile(MANIFEST, JSON.stringify(manifest))
  return world
}

const ok = { afterMs: 3_000, then: "succeed" } as const

describe("wave executor over the FakeWorld", () => {
  it("runs a 3-wave batch with dependencies to completion and merges every lane into the base branch", async () => {
    const world = await setup(
      [{ id: "a" }, { id: "b" }, { id: "c", dependsOn: ["a"] }, { id: "d", dependsOn: ["b", "c"] }],
      { a: ok, b: ok, c: ok, d: ok }
    )
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.phase).toBe("completed")
    expect(final.waves).toEqual([["a", "b"], ["c"], ["d"]])
    expect(final.tasks.map((t) => [t.id, t.status])).toEqual([
      ["a", "succeeded"],
      ["b", "succeeded"],
      ["c", "succeeded"],
      ["d", "succeeded"]
    ])
    const repo = world.git.worktreeAt(REPO)!.repo
    const tree = world.git.treeOf(repo, world.git.resolve(repo, "main"))
    expect([...tree.keys()].sort()).toEqual(["README.md", "a.txt", "b.txt", "c.txt", "d.txt"])
    // merged worktrees removed, each agent launched exactly once
    for (const t of ["a", "b", "c", "d"]) expect(world.agents.launchesOf(t)).toHaveLength(1)
    expect(repo.worktrees.map((w) => w.path)).toEqual([REPO])
  })

  it("regression: a completed batch closes the sessions of its merged tasks (they lingered as dead panes), and touches no other session", async () => {
    const world = await setup([{ id: "a" }, { id: "b", dependsOn: ["a"] }], { a: ok, b: ok })
    world.tmux.launch("default", {
      name: "rk-b1-a-mine",
      cwd: "/",
      argv: ["vim"],
      env: {},
      taskTag: undefined,
      logFile: undefined
    })
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.phase).toBe("completed")
    expect(world.tmux.sessions().map((x) => x.name)).toEqual(["rk-b1-a-mine"])
  })

  // Found by the fault campaign (scripts/soak/Faults.ts, "tmux server killed mid-wave", "pane killed"):
  // a session that vanished under a live supervisor was recorded as a failure ("session vanished
  // without a done marker"), which `resume` then skips as terminal — a tmux crash changed the
  // batch's outcome. The agent did not exit (that leaves a dead pane): the task is recovered in
  // place, as resume would, and the batch ends as an uninterrupted run.
  it.each(["the tmux server", "the task's session"] as const)(
    "regression: %s killed under a live supervisor: the task is re-executed in its worktree, not failed",
    async (what) => {
      const world = await setup([{ id: "a" }, { id: "b", dependsOn: ["a"] }], { a: ok, b: ok })
      const fault = (ev: ExecutorEvent) =>
        Effect.sync(() => {
          if (ev._tag !== "TaskLaunched" || ev.taskId !== "a" || ev.attempt !== 1) return
          if (what === "the tmux server") world.killServer()
          else for (const s of world.tmux.sessions().filter((x) => x.name === ev.session)) world.tmux.killSession(s)
        })
      const final = await world.run(
        run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast, Effect.provideService(ExecutorEvents, fault))
      )
      expect(final.phase).toBe("completed")
      expect(final.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
        ["a", "succeeded", 2],
        ["b", "succeeded", 1]
      ])
      expect(world.agents.launchesOf("a").map((l) => l.cwd)).toEqual([
        final.tasks[0]!.worktree,
        final.tasks[0]!.worktree
      ])
      expect(world.agents.launchesOf("b")).toHaveLength(1)
    }
  )

  // Found by the fault campaign (scripts/soak/Faults.ts, "agent hangs"): a stalled agent given up on
  // had its session killed, nothing more; one that ignores SIGHUP lived on outside tmux while its
  // task was recorded failed — next to whatever a restart would launch. It is now stopped for real.
  it("regression: a hung agent that ignores SIGHUP is stopped (TERM, grace, KILL) when its stalled task is given up", async () => {
    const world = await setup([{ id: "a" }], { a: "ignore-hup" }, { stallTimeoutSeconds: 1 })
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.tasks.map((t) => [t.id, t.status])).toEqual([["a", "failed"]])
    expect(final.tasks[0]!.exitReason).toMatch(/no output/)
    expect(world.agents.liveOf("a")).toHaveLength(0)
  })

  it("failure policy stop-wave: the wave finishes, later waves do not start, the batch ends paused with worktrees kept", async () => {
    const world = await setup([{ id: "a" }, { id: "b" }, { id: "c", dependsOn: ["a"] }], {
      a: { afterMs: 2_000, then: { exit: 3 } },
      b: ok,
      c: ok
    })
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.phase).toBe("paused")
    expect(final.tasks.map((t) => [t.id, t.status])).toEqual([
      ["a", "failed"],
      ["b", "succeeded"],
      ["c", "pending"]
    ])
    expect(final.tasks[0]!.exitStatus).toBe(3)
    expect(world.agents.launchesOf("c")).toHaveLength(0)
    expect(world.git.worktreeAt(final.tasks[0]!.worktree!)).toBeDefined()
  })

  it("failure policy stop-all: the other running agents are stopped at once", async () => {
    const world = await setup(
      [{ id: "a" }, { id: "b" }],
      { a: { afterMs: 1_000, then: { exit: 1 } }, b: "work" },
      { failurePolicy: "stop-all" }
    )
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.phase).toBe("paused")
    expect(world.agents.liveOf("b")).toHaveLength(0)
    expect(final.tasks.find((t) => t.id === "b")!.status).toBe("failed")
  })

  it("failure policy skip-dependents: dependents are skipped, independent work continues", async () => {
    const world = await setup(
      [{ id: "a" }, { id: "b" }, { id: "c", dependsOn: ["a"] }, { id: "d", dependsOn: ["b"] }],
      { a: { afterMs: 1_000, then: { exit: 1 } }, b: ok, c: ok, d: ok },
      { failurePolicy: "skip-dependents" }
    )
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.tasks.map((t) => [t.id, t.status])).toEqual([
      ["a", "failed"],
      ["b", "succeeded"],
      ["c", "skipped"],
      ["d", "succeeded"]
    ])
    expect(final.phase).toBe("paused")
  })

  it("merge conflict under mergeFailurePolicy pause and abort", async () => {
    for (const policy of ["pause", "abort"] as const) {
      const world = await setup([{ id: "a" }, { id: "b" }], { a: ok, b: ok }, { mergeFailurePolicy: policy })
      // both agents write the same file differently: the second lane conflicts
      world.agents.scripts.set("a", { afterMs: 1_000, then: "succeed" })
      const origFinish = world.agents.finish.bind(world.agents)
      world.agents.finish = (id, status) => {
        const agent = world.agents.current(id)
        if (agent !== undefined) world.git.commitInWorktree(agent.cwd, "clash", { "shared.txt": `${id}\n` })
        return origFinish(id, status)
      }
      const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
      expect(final.phase).toBe(policy === "pause" ? "paused" : "failed")
      expect(final.merges.map((m) => [m.lane, m.status])).toEqual([
        ["a", "succeeded"],
        ["b", "conflict"]
      ])
      expect(world.git.worktreeAt(final.tasks[1]!.worktree!)).toBeDefined()
    }
  })

  it("rejects a bad manifest with every problem listed (E_INVALID_MANIFEST), creating nothing", async () => {
    const world = new FakeWorld()
    world.git.initRepo(REPO, {})
    world.writeFile(
      MANIFEST,
      JSON.stringify({
        tasks: [
          { id: "-x", agent: "gpt", prompt: 1 },
          { id: "b", agent: "claude", prompt: "p", dependsOn: ["zz"] }
        ],
        extra: 1
      })
    )
    const exit = await world.runExit(run({ repoRoot: REPO, manifestPath: MANIFEST }))
    const text = JSON.stringify(exit)
    expect(text).toContain("E_INVALID_MANIFEST")
    for (const bit of ["extra", 'tasks\\"][0][\\"id', "agent", "prompt", "zz"]) expect(text).toContain(bit)
    expect(Effect.runSync(Effect.orElseSucceed(world.memory.fs.exists(`${REPO}/.rekindle`), () => false))).toBe(false)
  })

  it("regression: the socket given to run (the manifest names none) is recorded in the state, so later commands find the batch's sessions; a contradicting one is E_USAGE", async () => {
    const world = await setup([{ id: "a" }], { a: ok })
    const state = await world.run(prepare({ repoRoot: REPO, manifestPath: MANIFEST, tmuxSocket: "fleet" }))
    expect(state.options?.tmuxSocket).toBe("fleet")
    const other = await setup([{ id: "a" }], { a: ok }, { tmuxSocket: "mine" })
    const exit = JSON.stringify(
      await other.runExit(prepare({ repoRoot: REPO, manifestPath: MANIFEST, tmuxSocket: "fleet" }))
    )
    expect(exit).toContain("E_USAGE")
    expect(Effect.runSync(Effect.orElseSucceed(other.memory.fs.exists(`${REPO}/.rekindle`), () => false))).toBe(false)
  })

  // Found by the kill -9 loop (scripts/soak/KillLoop.ts): a `run` killed after persisting its batch but
  // before the first wave (phase planning) was a dead end — resume refuses a planning batch ("start it
  // again with `rekindle run`") and run refused the existing batch ("resume it with `rekindle resume`").
  it("regression: a run killed before its first wave (batch still planning) is started again by run, as resume's hint says", async () => {
    const world = await setup([{ id: "a" }, { id: "b", dependsOn: ["a"] }], { a: ok, b: ok })
    await world.run(prepare({ repoRoot: REPO, manifestPath: MANIFEST })) // persisted; then the supervisor died
    world.restartSupervisor()
    const refused = JSON.stringify(await world.runExit(resume({ repoRoot: REPO, batchId: "b1" })))
    expect(refused).toContain("E_NOT_RESUMABLE")
    expect(refused).toContain("start it again with `rekindle run`")
    const s = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(s.phase).toBe("completed")
    for (const t of ["a", "b"]) expect(world.agents.launchesOf(t)).toHaveLength(1)
    // A batch that did start is never replaced.
    expect(JSON.stringify(await world.runExit(run({ repoRoot: REPO, manifestPath: MANIFEST })))).toContain(
      "already exists"
    )
  })

  // Found by the kill -9 loop (scripts/soak/KillLoop.ts): a supervisor SIGKILLed while `git worktree add`
  // ran for a task left the task's branch without its worktree (git removes its half-made checkout
  // when its output pipe dies, not the branch it created first), and every resume then failed
  // E_GIT_FAILED "branch … exists but its worktree … is missing".
  it("regression: killed inside the worktree add of a task that never ran: resume makes its worktree again and completes", async () => {
    const world = await setup([{ id: "a" }, { id: "b", dependsOn: ["a"] }], { a: ok, b: ok })
    const planned = await world.run(prepare({ repoRoot: REPO, manifestPath: MANIFEST }))
    await world.run(saveState({ ...planned, phase: "executing" }, world.clock.now()))
    world.git.moveBranch(REPO, "rekindle/b1/a", world.git.resolve(world.git.repoAt(REPO)!, "main")!) // the branch, no worktree
    world.restartSupervisor()
    const r = await world.run(resume({ repoRoot: REPO, batchId: "b1" }).pipe(fast))
    expect(r.state.phase).toBe("completed")
    for (const t of ["a", "b"]) expect(world.agents.launchesOf(t)).toHaveLength(1)
  })

  it("a leftover task branch with commits of its own is never deleted: resume stops with E_GIT_FAILED", async () => {
    const world = await setup([{ id: "a" }], { a: ok })
    const planned = await world.run(prepare({ repoRoot: REPO, manifestPath: MANIFEST }))
    await world.run(saveState({ ...planned, phase: "executing" }, world.clock.now()))
    world.git.moveBranch(REPO, "rekindle/b1/a", world.git.resolve(world.git.repoAt(REPO)!, "main")!)
    const work = world.git.commitOnBranch(REPO, "rekindle/b1/a", "someone's work", { "w.txt": "work\n" })
    world.git.moveBranch(REPO, "rekindle/b1/a", work)
    world.restartSupervisor()
    expect(JSON.stringify(await world.runExit(resume({ repoRoot: REPO, batchId: "b1" }).pipe(fast)))).toContain(
      "E_GIT_FAILED"
    )
    expect(world.git.resolve(world.git.repoAt(REPO)!, "rekindle/b1/a")).toBe(work)
    expect(world.agents.launchesOf("a")).toHaveLength(0)
  })

  it("kill the supervisor mid-wave, resume: running agents are reconnected, the batch completes, nothing runs twice", async () => {
    const world = await setup([{ id: "a" }, { id: "b" }, { id: "c", dependsOn: ["a", "b"] }], {
      a: ok,
      b: { afterMs: 60_000, then: "succeed" },
      c: ok
    })
    // crash by interrupting the run after wave 1 started: die on the 8th observation
    let observations = 0
    const orig = world.effectClock.sleep
    ;(world as { effectClock: typeof world.effectClock }).effectClock = {
      ...world.effectClock,
      sleep: (d) => Effect.flatMap(orig(d), () => (++observations === 8 ? Effect.die("SIGKILL") : Effect.void))
    }
    const crashed = await world.runExit(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(crashed._tag).toBe("Failure")
    ;(world as { effectClock: typeof world.effectClock }).effectClock = { ...world.effectClock, sleep: orig }
    world.restartSupervisor()
    const r = await world.run(resume({ repoRoot: REPO, batchId: "b1" }).pipe(fast))
    expect(r.state.phase).toBe("completed")
    for (const t of ["a", "b", "c"]) expect(world.agents.launchesOf(t)).toHaveLength(1)
  })
})

describe("exit status reported late by tmux", () => {
  it("regression: a dead pane whose status tmux reports one snapshot late keeps its exit status", async () => {
    const world = new FakeWorld()
    world.git.initRepo(REPO, { "README.md": "hello\n" })
    world.writeFile(
      MANIFEST,
      JSON.stringify({ tasks: [{ id: "a", agent: "claude", prompt: "do a" }], options: { batchId: "b1" } })
    )
    world.agents.scripts.set("a", { afterMs: 2_000, then: { exit: 3 } })
    const origLaunched = world.agents.launched.bind(world.agents)
    world.agents.launched = (pane, argv, cwd, env) => {
      world.tmux.delayExitStatus(pane.id) // tmux 3.3's late SIGCHLD, as the fake models it
      origLaunched(pane, argv, cwd, env)
    }
    const final = await world.run(run({ repoRoot: REPO, manifestPath: MANIFEST }).pipe(fast))
    expect(final.tasks[0]).toMatchObject({ status: "failed", exitStatus: 3 })
  })
})
