/**
 * The embedding API as a host orchestrator meets it (over the FakeWorld, through the Promise facade):
 * re-import keeps what rekindle learned, an import is planned in memory, an agent is never guessed,
 * a relaunch that dies at once is reported, recover-only never merges, an agent alive outside tmux
 * is held, and step handlers let the host launch its own way. Outcomes are read from the world.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { describe, expect, it } from "vitest"
import { createRekindleWithLayer, type Rekindle } from "../../core/facade.ts"
import type { BatchState, MergePolicy, RelaunchAgent, RetryMerge, SnapshotWip, Task } from "../../core/domain/index.ts"
import type { ForeignBatch, ImportAdapter } from "../../core/import/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { rejection, worldFacade } from "../support/facade.ts"

const REPO = "/host/repo"
const STATE = `${REPO}/.host/run.json`

/** The host's own state file: one record per job. */
interface Job {
  readonly name: string
  readonly state: "queued" | "working" | "done"
  readonly tmux?: string
  readonly dir: string
  readonly branch: string
  readonly pid?: number
}
interface Run {
  readonly id: string
  readonly jobs: ReadonlyArray<Job>
}

const hostAdapter = (options: { readonly agent?: string; readonly merge?: MergePolicy } = {}): ImportAdapter<Run> => ({
  name: "host",
  location: STATE,
  read: async (io) => {
    const text = await io.readText(STATE)
    return text === undefined ? undefined : (JSON.parse(text) as Run)
  },
  map: (run): ForeignBatch => ({
    source: "host",
    batchId: run.id,
    repoRoot: REPO,
    baseBranch: "main",
    phase: "executing",
    createdAt: 0,
    updatedAt: 0,
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    ...(options.merge === undefined ? {} : { merge: options.merge }),
    tasks: run.jobs.map((j) => ({
      id: j.name,
      status: j.state === "done" ? "succeeded" : j.state === "working" ? "running" : "pending",
      command: ["job", j.name],
      worktree: j.dir,
      branch: j.branch,
      doneMarker: `${j.dir}/.done`,
      ...(j.tmux === undefined ? {} : { session: j.tmux }),
      ...(j.pid === undefined ? {} : { agentProcess: { pid: j.pid } })
    }))
  })
})

/** A world where the host ran `jobs` (each with its worktree; `working` ones in their own session). */
const hostWorld = (jobs: ReadonlyArray<Omit<Job, "dir" | "branch">>) => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "hello\n" })
  const full = jobs.map((j): Job => ({ ...j, dir: `${REPO}/.host/wt/${j.name}`, branch: `host/${j.name}` }))
  for (const j of full) {
    world.addWorktree(REPO, j.dir, j.branch, "main")
    if (j.tmux !== undefined) world.startSession(j.tmux, j.dir, ["job", j.name])
  }
  const write = (run: ReadonlyArray<Job>) => world.writeFile(STATE, JSON.stringify({ id: "run1", jobs: run }))
  write(full)
  return { world, jobs: full, write }
}

const facade = (world: FakeWorld): Rekindle => worldFacade(world, REPO)

const fileExists = (world: FakeWorld, path: string) => Effect.runPromise(world.fs.exists(path))
const taskSessions = (world: FakeWorld) => world.tmux.sessions().map((s) => s.name)

describe("embedding a host orchestrator (FakeWorld)", () => {
  it("the public BatchState type is closed: a misspelt field does not compile", () => {
    // @ts-expect-error `phse` is not a field of BatchState (no open index signature)
    const misspelt = (s: BatchState) => s.phse
    expect(typeof misspelt).toBe("function")
  })

  it("an agent is never guessed: a task without one is a listed problem and nothing is written", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = facade(world)
    const e = await rejection(rk.importState(hostAdapter(), { save: true }))
    expect(e.code).toBe("E_STATE_CORRUPT")
    expect(JSON.stringify(e.details)).toContain('task \\"a\\" names no agent')
    expect(await fileExists(world, batchPaths(REPO, "run1").state)).toBe(false)
    await rk.close()
  })

  it("planImport decides in memory and saves nothing; a crash before the host saved the session still reconnects", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = facade(world)
    const report = await rk.planImport(hostAdapter({ agent: "shell" }))
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([["a", "reconnect"]])
    await expect(rk.status()).rejects.toMatchObject({ code: "E_NO_STATE" })
    await rk.close()
  })

  it("a second import refreshes the saved batch: journal, attempts and the relaunched agent's identity kept", async () => {
    const { world, jobs, write } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    world.killSession("job-a") // the host's job died with the host
    const first = await rk.resume({ supervise: false })
    expect(first.applied.map((s) => s._tag)).toContain("RelaunchAgent")
    const relaunched = world.agents.current("a")
    expect(relaunched).toBeDefined()
    // The host comes back, rewrites its state (it still believes its own job runs), and crashes again.
    write(jobs)
    expect((await rejection(rk.importState(hostAdapter({ agent: "shell" }), { save: true }))).code).toBe("E_USAGE")
    const again = await rk.importState(hostAdapter({ agent: "shell" }), { save: true, mode: "refresh" })
    expect(again.refreshed).toBe(true)
    const task = again.state.tasks[0]!
    expect(task.attempts).toBe(2)
    expect(task.agentProcess?.pid).toBe(relaunched!.pid)
    // The relaunched agent is recognised, not launched a second time.
    const second = await rk.resume({ supervise: false })
    expect(second.report.decisions.map((d) => [d.taskId, d.action])).toEqual([["a", "reconnect"]])
    expect(world.agents.launchesOf("a")).toHaveLength(1)
    expect(world.agents.liveOf("a")).toHaveLength(1)
    expect(await fileExists(world, batchPaths(REPO, "run1").journal)).toBe(true)
    await rk.close()
  })

  it("plan().signals carries only the batch's processes, never the machine's whole table (privacy)", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const secret = world.procs.spawn(["mysql", "--password=hunter2"])
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    const { signals } = await rk.plan()
    const pids = signals.processes.state === "known" ? signals.processes.processes.map((p) => p.pid) : []
    expect(pids).not.toContain(secret.pid)
    expect(pids).toContain(world.tmux.sessions()[0]!.panes[0]!.process.pid)
    expect(JSON.stringify(signals)).not.toContain("hunter2")
    await rk.close()
  })

  it("a relaunch whose agent dies at once is reported, not counted as applied", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    world.agents.scripts.set("a", "fail")
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    world.killSession("job-a")
    const r = await rk.resume({ supervise: false })
    expect(r.applied.some((s) => s._tag === "RelaunchAgent")).toBe(false)
    expect(r.failedLaunches.map((f) => [f.taskId, f.exitStatus])).toEqual([["a", 1]])
    expect(r.message).toContain("relaunch of a FAILED")
    await rk.close()
  })

  it("an agent the host recorded by pid, alive outside tmux after a server kill, is held — never run twice", async () => {
    const { world, jobs, write } = hostWorld([])
    const agent = world.procs.spawn(["job", "a"], 1, `${REPO}/.host/wt/a`)
    world.addWorktree(REPO, `${REPO}/.host/wt/a`, "host/a", "main")
    write([
      ...jobs,
      { name: "a", state: "working", tmux: "job-a", dir: `${REPO}/.host/wt/a`, branch: "host/a", pid: agent.pid }
    ])
    const rk = facade(world)
    const report = await rk.planImport(hostAdapter({ agent: "shell" }))
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([["a", "hold"]])
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    await rk.resume({ supervise: false })
    expect(world.agents.launchesOf("a")).toHaveLength(0)
    expect(world.procs.get(agent.pid)?.alive).toBe(true)
    await rk.close()
  })

  it("recover-only never merges unless asked; merge policy `host` never merges", async () => {
    const { world } = hostWorld([{ name: "a", state: "done" }])
    world.git.commitInWorktree(`${REPO}/.host/wt/a`, "a: done", { "a.txt": "a\n" })
    const main = () => world.git.repoAt(REPO)!.refs.get("refs/heads/main")
    const before = main()
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    expect((await rk.plan()).plan.steps.map((s) => s._tag)).toContain("RetryMerge")
    const r = await rk.resume({ supervise: false })
    expect(main()).toBe(before)
    expect(r.message).toContain("merge(s) left")
    await rk.resume({ supervise: false, merge: true })
    expect(main()).not.toBe(before)

    const other = hostWorld([{ name: "a", state: "done" }])
    other.world.git.commitInWorktree(`${REPO}/.host/wt/a`, "a: done", { "a.txt": "a\n" })
    const base = other.world.git.repoAt(REPO)!.refs.get("refs/heads/main")
    const rk2 = facade(other.world)
    await rk2.importState(hostAdapter({ agent: "shell", merge: "host" }), { save: true })
    expect((await rk2.plan()).plan.steps.map((s) => s._tag)).not.toContain("RetryMerge")
    const done = await rk2.resume()
    expect(other.world.git.repoAt(REPO)!.refs.get("refs/heads/main")).toBe(base)
    expect(done.state.phase).toBe("completed")
    expect(other.world.git.worktreeAt(`${REPO}/.host/wt/a`)).toBeDefined() // the host's worktree is the host's
    await rk.close()
    await rk2.close()
  })

  it("step handlers: the host relaunches in its own session; rekindle journals and records the agent", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    world.killSession("job-a")
    const calls: Array<string> = []
    const r = await rk.resume({
      supervise: false,
      handlers: {
        RelaunchAgent: async (step, task) => {
          calls.push(`${step.taskId}:${step.mode}:${task.worktree}`)
          world.startSession(step.session, task.worktree!, ["job", "a", "again"])
          return undefined
        }
      }
    })
    expect(calls).toEqual([`a:fresh:${REPO}/.host/wt/a`])
    expect(r.applied.map((s) => s._tag)).toContain("RelaunchAgent")
    expect(taskSessions(world)).toEqual(["job-a"])
    const pane = world.tmux.sessions()[0]!.panes[0]!
    expect(pane.taskTag).toBeUndefined() // the host's session stays the host's: no tag, no pipe
    expect(pane.pipe).toBeUndefined()
    const saved = (await rk.status()).tasks[0]!
    expect(saved.session).toBe("alive")
    // Applied again, the journaled relaunch is not repeated.
    await rk.resume({ supervise: false, handlers: { RelaunchAgent: async () => void calls.push("again") } })
    expect(calls).toHaveLength(1)
    await rk.close()
  })
  // Found by outside eyes: a handler that starts its agent outside tmux and returns `{ pid }` crashed after starting it;
  // the next resume called the handler again, and two agents ran for one task.
  it("regression: a RelaunchAgent handler interrupted before it returned is never called twice; the task fails with why", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    world.killSession("job-a")
    const started: Array<number> = []
    const relaunch = async () => {
      started.push(world.procs.spawn(["host-agent", "a"]).pid)
      throw new Error("the host died here (after starting its agent, before returning its pid)")
    }
    await rejection(rk.resume({ supervise: false, handlers: { RelaunchAgent: relaunch } }))
    expect(started).toHaveLength(1)
    await rk.resume({ supervise: false, handlers: { RelaunchAgent: relaunch } })
    expect(started).toHaveLength(1)
    const task = (await rk.status()).tasks[0]!
    expect([task.status, task.exitReason]).toEqual([
      "failed",
      expect.stringContaining("was interrupted before it returned")
    ])
    await rk.close()
  })

  // Found by outside eyes: an import through `createRekindle({ tmuxSocket })` recorded no socket, so `rekindle clean`
  // and `abort` from the CLI looked at the default tmux server and left the batch's agents running.
  it("regression: the instance's tmux socket is recorded in the imported state when the host's batch names none", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = createRekindleWithLayer({ repo: REPO, tmuxSocket: "host-sock" }, () =>
      Layer.mergeAll(world.layer(), Layer.succeed(Clock.Clock, world.effectClock))
    )
    const { state } = await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    expect(state.options?.tmuxSocket).toBe("host-sock")
    await rk.close()
  })

  it("step handlers: the host keeps a dirty worktree's work in its own way; rekindle journals it and records it", async () => {
    const { world } = hostWorld([{ name: "a", state: "working", tmux: "job-a" }])
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    world.killSession("job-a")
    world.dirtyWorktree(`${REPO}/.host/wt/a`)
    const calls: Array<string> = []
    const handlers = {
      SnapshotWip: async (step: SnapshotWip) => {
        calls.push(`snapshot:${step.taskId}`)
        return { ref: "host-stash@{0}" }
      },
      RelaunchAgent: async (step: RelaunchAgent, task: Task) => {
        world.startSession(step.session, task.worktree!, ["job", "a", "again"])
        return undefined
      }
    }
    const r = await rk.resume({ supervise: false, handlers })
    expect(calls).toEqual(["snapshot:a"])
    // rekindle did not snapshot itself; it recorded the host's snapshot in the task's history.
    const refs = [...world.git.repoAt(REPO)!.refs.keys()]
    expect(refs.filter((x) => x.startsWith("refs/rekindle/wip/"))).toEqual([])
    expect(r.state.tasks.find((t) => t.id === "a")?.history).toContainEqual(
      expect.objectContaining({ event: "snapshot", reason: "kept by the host: host-stash@{0}" })
    )
    // Journaled: applied again, the snapshot is not repeated.
    await rk.resume({ supervise: false, handlers })
    expect(calls).toEqual(["snapshot:a"])
    await rk.close()
  })

  it("step handlers: the host merges a finished wave its own way; rekindle records each lane's outcome in its ledger", async () => {
    const { world } = hostWorld([{ name: "b", state: "done" }])
    world.git.commitInWorktree(`${REPO}/.host/wt/b`, "b: done", { "b.txt": "b\n" })
    const main = () => world.git.repoAt(REPO)!.refs.get("refs/heads/main")
    const before = main()
    const rk = facade(world)
    await rk.importState(hostAdapter({ agent: "shell" }), { save: true })
    const calls: Array<string> = []
    const RetryMerge = async (step: RetryMerge) => {
      calls.push(`merge:${step.wave}:${step.lanes.join(",")}`)
      return step.lanes.map((lane) => ({ lane, status: "conflict" as const, reason: "the host's merge conflicted" }))
    }
    const r = await rk.resume({ supervise: false, merge: true, handlers: { RetryMerge } })
    expect(calls).toEqual(["merge:0:b"])
    expect(main()).toBe(before) // rekindle did not merge itself
    expect(r.state.merges.at(-1)).toMatchObject({ wave: 0, lane: "b", status: "conflict" })
    expect(r.state.phase).not.toBe("completed")
    await rk.close()
  })
})
