/**
 * An import refuses, up front, a state rekindle could not carry on (core/domain/Workspaces.ts): a
 * pending task with no worktree to launch in, a task whose work rekindle must merge with no branch.
 * Every such task is listed at once, and nothing is written. What rekindle can carry on stays
 * accepted: a task it creates the worktree for (named path and branch), a host worktree with no branch
 * when the host merges, a running task without a worktree (the plan decides it). FakeWorld, facade.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { Rekindle, RekindleError } from "../../core/facade.ts"
import type { ForeignTask, ImportAdapter } from "../../core/import/index.ts"
import type { MergePolicy } from "../../core/domain/index.ts"
import { branchFor, worktreeFor } from "../../core/domain/Naming.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import { rejection, worldFacade } from "../support/facade.ts"
import { taskListAdapter } from "../support/host-adapter.ts"

const REPO = "/host/repo"
const STATE = `${REPO}/.host/run.json`

/** An adapter handing over exactly `tasks` (as the host's file lists them). */
const adapterOf = (merge?: MergePolicy): ImportAdapter<ReadonlyArray<ForeignTask>> =>
  taskListAdapter(REPO, STATE, "run1", merge)

const hostWorld = (tasks: ReadonlyArray<ForeignTask>) => {
  const world = new FakeWorld()
  world.git.initRepo(REPO, { "README.md": "hello\n" })
  world.writeFile(STATE, JSON.stringify(tasks))
  return world
}

const facade = (world: FakeWorld): Rekindle => worldFacade(world, REPO)

const exists = (world: FakeWorld, path: string) => Effect.runPromise(world.fs.exists(path))
const problemsOf = (e: RekindleError) => (e.details as { readonly problems: ReadonlyArray<string> }).problems

describe("import refuses what rekindle could not carry on, at import time", () => {
  it("a pending task with no worktree and tasks rekindle must merge with no branch: every one listed, nothing written", async () => {
    const world = hostWorld([
      { id: "fine", status: "pending", worktree: `${REPO}/wt/fine`, branch: "host/fine" },
      { id: "nowhere", status: "pending", branch: "host/nowhere" },
      { id: "unmerged", status: "succeeded", worktree: `${REPO}/wt/unmerged` },
      { id: "working", status: "running", worktree: `${REPO}/wt/working`, session: "job-working" },
      { id: "gone", status: "failed" } // never launched again nor merged: nothing needed
    ])
    const rk = facade(world)
    for (const call of [() => rk.importState(adapterOf(), { save: true }), () => rk.planImport(adapterOf())]) {
      const e = await rejection(call())
      expect(e.code).toBe("E_STATE_CORRUPT")
      const problems = problemsOf(e)
      expect(problems).toHaveLength(3)
      expect(problems[0]).toMatch(/^task "nowhere" is pending but names no worktree/)
      expect(problems[1]).toMatch(/^task "unmerged" names no branch .*merge policy "rekindle"/)
      expect(problems[2]).toMatch(/^task "working" names no branch/)
    }
    expect(await exists(world, `${REPO}/.rekindle`)).toBe(false)
    expect(world.tmux.sessions()).toEqual([])
    await rk.close()
  })

  // Found by outside eyes: with a task that did not decode (no agent), only the decode's problems were listed; the
  // workspace problems came only on the next try, after that was fixed.
  it("regression: a decode problem and workspace problems are listed together, in one refusal", async () => {
    const world = hostWorld([
      { id: "noagent", status: "succeeded", worktree: `${REPO}/wt/a`, branch: "host/a" },
      { id: "nowt", status: "pending", branch: "host/nowt" },
      { id: "nobranch", status: "pending", worktree: `${REPO}/wt/nobranch` }
    ])
    const noAgent: ImportAdapter<ReadonlyArray<ForeignTask>> = {
      ...adapterOf(),
      map: (f) => {
        const { agent: _none, ...b } = adapterOf().map(f)
        return { ...b, tasks: b.tasks.map((t) => (t.id === "noagent" ? t : { ...t, agent: "shell" })) }
      }
    }
    const e = await rejection(facade(world).importState(noAgent, { save: true }))
    const problems = problemsOf(e).join("\n")
    expect(problems).toMatch(/noagent/)
    expect(problems).toMatch(/task "nowt" is pending but names no worktree/)
    expect(problems).toMatch(/task "nobranch" names no branch/)
    expect(await exists(world, `${REPO}/.rekindle`)).toBe(false)
  })

  it("a lane's branch carries its tasks' work; a lane already merged needs none; the host merging needs none", async () => {
    const tasks: ReadonlyArray<ForeignTask> = [
      { id: "a", status: "succeeded", lane: "L1", worktree: `${REPO}/wt/l1` },
      { id: "b", status: "pending", lane: "L1", worktree: `${REPO}/wt/l1` }
    ]
    const withLane = (adapter: ImportAdapter<ReadonlyArray<ForeignTask>>): typeof adapter => ({
      ...adapter,
      map: (f) => ({ ...adapter.map(f), lanes: [{ id: "L1", tasks: ["a", "b"], branch: "host/l1" }] })
    })
    const rk = facade(hostWorld(tasks))
    await expect(rk.planImport(withLane(adapterOf()))).resolves.toBeDefined()
    await expect(rk.planImport(adapterOf("host"))).resolves.toBeDefined()
    await expect(rk.planImport(adapterOf("never"))).resolves.toBeDefined()
    await rk.close()

    const merged = facade(hostWorld([{ id: "a", status: "succeeded", worktree: `${REPO}/wt/a` }]))
    const ledger: ImportAdapter<ReadonlyArray<ForeignTask>> = {
      ...adapterOf(),
      map: (f) => ({ ...adapterOf().map(f), merges: [{ wave: 0, lane: "a", status: "succeeded", at: 0 }] })
    }
    await expect(merged.planImport(ledger)).resolves.toBeDefined()
    await merged.close()
  })

  it("a task rekindle makes the worktree for (its own path and branch, not there yet) is accepted and launched there", async () => {
    const own = worktreeFor(REPO, "run1", "fresh")
    const world = hostWorld([{ id: "fresh", status: "pending", worktree: own, branch: branchFor("run1", "fresh") }])
    world.agents.scripts.set("fresh", "succeed")
    const rk = facade(world)
    await rk.importState(adapterOf(), { save: true })
    await rk.resume()
    expect(world.agents.launchesOf("fresh").map((l) => l.cwd)).toEqual([own])
    expect((await rk.status()).tasks.map((t) => [t.id, t.status])).toEqual([["fresh", "succeeded"]])
    await rk.close()
  })

  it("a host worktree with no branch, the host merging: accepted, and the task is launched in it", async () => {
    const dir = `${REPO}/wt/job`
    const world = hostWorld([{ id: "job", status: "pending", worktree: dir }])
    world.addWorktree(REPO, dir, "host/job", "main")
    world.agents.scripts.set("job", "succeed")
    const rk = facade(world)
    await rk.importState(adapterOf("host"), { save: true })
    await rk.resume()
    expect(world.agents.launchesOf("job").map((l) => l.cwd)).toEqual([dir])
    expect((await rk.status()).tasks.map((t) => [t.id, t.status])).toEqual([["job", "succeeded"]])
    await rk.close()
  })

  it("a running task with no worktree is accepted: its live agent is reconnected (a dead one the plan marks failed)", async () => {
    const world = hostWorld([{ id: "live", status: "running", session: "job-live" }])
    world.startSession("job-live", REPO, ["job", "live"])
    const rk = facade(world)
    const report = await rk.planImport(adapterOf("host"))
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([["live", "reconnect"]])
    await rk.close()
  })

  // Found by outside eyes: a pending task at a host path that is not there yet, on the host's EXISTING branch (with a
  // host commit). Import accepted it, but the launch failed `E_GIT_FAILED … branch exists but its worktree is
  // missing`, hint "repair" — which had nothing to do; the batch stayed stuck in executing.
  it("regression: a host's existing branch whose worktree is not there yet: the worktree is made on it, its commit kept", async () => {
    const dir = `${REPO}/.myorch/wt/c`
    const world = hostWorld([{ id: "c", status: "pending", worktree: dir, branch: "host/c" }])
    const hostCommit = world.git.commitOnBranch(REPO, "main", "host prepares c", { "plan.md": "host plan\n" })
    world.git.moveBranch(REPO, "host/c", hostCommit)
    world.agents.scripts.set("c", "succeed")
    const rk = facade(world)
    await rk.importState(adapterOf("host"), { save: true })
    await rk.resume()
    expect(world.agents.launchesOf("c").map((l) => l.cwd)).toEqual([dir])
    const checkout = world.git.worktreeAt(dir)
    expect(checkout?.wt.head, "the host's branch is checked out there").toEqual({ branch: "host/c" })
    const repo = world.git.repoAt(REPO)!
    expect(world.git.isAncestor(repo, hostCommit, repo.refs.get("refs/heads/host/c")!), "the host's commit kept").toBe(
      true
    )
    expect((await rk.status()).tasks.map((t) => [t.id, t.status])).toEqual([["c", "succeeded"]])
    await rk.close()
  })
})
