/**
 * kill -9 of a real supervisor process at several points of a batch (during wave 1 with a task
 * running, between waves, during a merge before the base branch advances, with a wave half merged,
 * and whenever the journal shows a merge in flight), then `resume` in this process: the batch ends
 * as an uninterrupted run of the same manifest does — the same tree on main, names AND blob ids —
 * and every task's agent ran exactly once.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { resume } from "../../core/engine/usecases/Resume.ts"
import { run } from "../../core/engine/usecases/Run.ts"
import { E2E, e2eHooks, openMerges, type Supervisor } from "../support/real/e2e.ts"
import { pollUntil } from "../support/real/poll.ts"

const TASKS = ["a", "b", "c", "d"] as const

/** Two waves, two lanes each: [a, b] then [c (after a), d (after b)]; b is slow enough to be caught running. */
const writeManifest = (e: E2E) =>
  e.manifest(
    [
      e.task("a", "build a [steps:1]"),
      e.task("b", "build b slowly [steps:5] [sleep:0.3]"),
      e.task("c", "build c [steps:1]", ["a"]),
      e.task("d", "build d [steps:1]", ["b"])
    ],
    { maxLanes: 2 }
  )

/** A kill point: how to start the supervisor and when to kill it (checking what the state shows then). */
interface KillPoint {
  readonly name: string
  readonly hangAt?: string
  readonly occurrence?: number
  readonly when: (e: E2E, sup: Supervisor) => Promise<void>
}

const hung = (label: string, n: number) => (_e: E2E, sup: Supervisor) => sup.waitFor(`hung ${label} ${n}`)

const POINTS: ReadonlyArray<KillPoint> = [
  {
    name: "during wave 1, a task running",
    when: (e) =>
      pollUntil(
        "a succeeded while b runs",
        () => (e.status("a") === "succeeded" && e.status("b") === "running" ? true : undefined),
        30_000
      ).then(() => undefined)
  },
  {
    name: "between waves (wave 1 merged, wave 2 not launched)",
    hangAt: "run:before-launch",
    occurrence: 3,
    when: async (e, sup) => {
      await hung("run:before-launch", 3)(e, sup)
      const s = e.state()!
      expect(s.merges.map((m) => [m.wave, m.lane, m.status])).toEqual([
        [0, "a", "succeeded"],
        [0, "b", "succeeded"]
      ])
      expect(["c", "d"].map((id) => e.status(id))).toEqual(["pending", "pending"])
    }
  },
  {
    name: "during a merge, the merge commit made but the base branch not advanced",
    hangAt: "merge:before-advance",
    occurrence: 1,
    when: async (e, sup) => {
      await hung("merge:before-advance", 1)(e, sup)
      expect(e.state()?.phase).toBe("merging")
      expect(openMerges(e.journal()).map((l) => (l.data as { lane: string }).lane)).toEqual(["a"])
      expect(e.names()).toEqual(["README.md"])
    }
  },
  {
    name: "during a merge with the wave half merged",
    hangAt: "merge:before-advance",
    occurrence: 2,
    when: async (e, sup) => {
      await hung("merge:before-advance", 2)(e, sup)
      expect(e.state()?.merges.map((m) => [m.lane, m.status])).toEqual([["a", "succeeded"]])
      expect(openMerges(e.journal()).map((l) => (l.data as { lane: string }).lane)).toEqual(["b"])
    }
  },
  {
    name: "whenever the journal shows a merge in flight (no hook)",
    when: (e, sup) =>
      pollUntil(
        "an open merge intent in the journal",
        () => {
          if (sup.stdout().includes("ended")) throw new Error("the batch ended before a merge was caught in flight")
          return openMerges(e.journal()).length > 0 ? true : undefined
        },
        30_000
      ).then(() => undefined)
  }
]

describe("kill -9 of the supervisor, then resume: same tree as an uninterrupted run, every task once (real tmux + git)", () => {
  const make = e2eHooks(afterEach)
  let reference: E2E
  let referenceTree: ReadonlyArray<string>

  beforeAll(async () => {
    reference = new E2E()
    const final = await reference.run(run({ repoRoot: reference.repo, manifestPath: writeManifest(reference) }))
    expect(final.phase).toBe("completed")
    referenceTree = reference.tree()
    expect(reference.names()).toEqual(["README.md", "a.txt", "b.txt", "c.txt", "d.txt"])
    expect(reference.ranTasks()).toEqual([...TASKS])
  }, 60_000)
  afterAll(async () => {
    await reference?.cleanup()
  })

  it.each(POINTS)(
    "killed $name",
    async (point) => {
      const e = make()
      writeManifest(e)
      const sup = e.supervisor(
        point.hangAt === undefined ? {} : { hangAt: point.hangAt, occurrence: point.occurrence ?? 1 }
      )
      await point.when(e, sup)
      await sup.kill9()
      expect(sup.stdout()).not.toContain("ended")

      const r = await e.run(resume(e.ref))
      expect(r.state.phase).toBe("completed")
      expect(e.tree()).toEqual(referenceTree)
      expect(e.ranTasks()).toEqual([...TASKS])
      expect(e.runs().every((x) => x.attempt === 1)).toBe(true)
      expect(TASKS.map((id) => e.status(id))).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"])
      // Every lane merged exactly once in the ledger's final word, and no task worktree is left.
      expect(
        r.state.merges
          .filter((m) => m.status === "succeeded")
          .map((m) => `${m.wave}:${m.lane}`)
          .sort()
      ).toEqual(["0:a", "0:b", "1:c", "1:d"])
      expect(e.worktrees().filter((w) => w.includes("/.rekindle/worktrees/"))).toEqual([])
    },
    90_000
  )

  // Regression, fixed (was: adapters/git/GitMerge.ts, mergeCommit): the merge is computed in a temporary worktree
  // `<git dir>/rekindle-merge-<uuid>` removed only by an `ensuring` finaliser, which a SIGKILL never
  // runs. Nothing sweeps it later (resume, repair and findOrphans look only under .rekindle/worktrees/),
  // so after kill -9 mid-merge and a successful resume the user's repo keeps an extra registered
  // worktree (detached HEAD) inside .git for good.
  it("regression: killed while git merges in the temporary merge worktree: after resume only the main worktree is left", async () => {
    const e = make()
    writeManifest(e)
    const sup = e.supervisor()
    const admin = nodePath.join(e.repo, ".git", "worktrees")
    // Between `git worktree add` finishing (its `locked` file gone, the checkout's `.git` file in
    // place) and `git worktree remove` starting: the merge itself runs in the temporary worktree.
    // (A kill during `worktree add` is not it: git then removes its own half-made worktree on SIGPIPE.)
    const merging = () => {
      try {
        return fs
          .readdirSync(admin)
          .some(
            (n) =>
              n.startsWith("rekindle-merge-") &&
              !fs.existsSync(nodePath.join(admin, n, "locked")) &&
              fs.existsSync(nodePath.join(e.repo, ".git", n, ".git"))
          )
      } catch {
        return false
      }
    }
    const deadline = Date.now() + 30_000
    // Poll tightly: the window is one `git merge`; the batch makes four merges to catch one in.
    while (!merging()) {
      if (Date.now() > deadline || sup.stdout().includes("ended"))
        throw new Error("no merge was caught in its temporary worktree")
      await new Promise((r) => setTimeout(r, 1))
    }
    await sup.kill9()
    await new Promise((r) => setTimeout(r, 300)) // let orphaned git children finish or die
    expect(e.worktrees().filter((w) => w.includes("/.git/rekindle-merge-"))).toHaveLength(1)
    const r = await e.run(resume(e.ref))
    expect(r.state.phase).toBe("completed")
    expect(e.tree()).toEqual(referenceTree)
    expect(e.ranTasks()).toEqual([...TASKS])
    expect(e.worktrees()).toEqual([e.repo])
  }, 90_000)
})
