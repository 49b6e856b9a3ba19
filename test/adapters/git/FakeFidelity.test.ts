/**
 * Differential law: any sequence of agent/user actions and port calls gives the same outcomes on the
 * fake as on real git — same successes, same failure reasons, same status counts, same worktree
 * list, same files on `main`. Commit ids differ by nature, so they are never compared.
 */
import * as Effect from "effect/Effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { GitError } from "../../../core/ports/Worktrees.ts"
import type { WorktreesHarness } from "../../contracts/Worktrees.contract.ts"
import { makeFakeHarness } from "./FakeGitHarness.ts"
import { makeRealHarness } from "./RealGitHarness.ts"

const TASKS = ["t1", "t2"] as const
type TaskName = (typeof TASKS)[number]
const FILES = ["a.txt", "f1.txt", "f2.txt"] as const
const CONTENTS = ["x\n", "y\n"] as const

type Action =
  | { readonly op: "write" | "commit"; readonly task: TaskName; readonly file: string; readonly content: string }
  | { readonly op: "writeMain" | "commitMain"; readonly file: string; readonly content: string }
  | {
      readonly op: "status" | "snapshot" | "merge" | "remove" | "removeWithSnapshot" | "deleteBranch" | "detach"
      readonly task: TaskName
    }
  | { readonly op: "deleteDir" | "indexLock"; readonly task: TaskName }
  | { readonly op: "prune" }

const task = fc.constantFrom(...TASKS)
const file = fc.constantFrom(...FILES)
const content = fc.constantFrom(...CONTENTS)
const taskOp = <O extends string>(op: O) => fc.record({ op: fc.constant(op), task })
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("commit" as const), task, file, content }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("write" as const), task, file, content }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("writeMain" as const), file, content }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("commitMain" as const), file, content }) },
  { weight: 3, arbitrary: taskOp("merge") },
  {
    weight: 4,
    arbitrary: fc.oneof(
      ...(["status", "snapshot", "remove", "removeWithSnapshot", "deleteBranch", "detach"] as const).map(taskOp)
    )
  },
  { weight: 1, arbitrary: fc.oneof(taskOp("deleteDir"), taskOp("indexLock"), fc.constant({ op: "prune" as const })) }
)

const outcome = <A>(e: Effect.Effect<A, GitError>, show: (a: A) => unknown = () => "ok") =>
  Effect.runPromise(Effect.match(e, { onFailure: (err) => `fail:${err.reason}`, onSuccess: show }))

/** Play `actions` on one implementation; return everything observable, commit ids left out. */
const play = async (h: WorktreesHarness, actions: ReadonlyArray<Action>) => {
  const repo = await h.initRepo({ "a.txt": "a\n" })
  const wts = new Map<TaskName, string>()
  for (const t of TASKS)
    wts.set(t, (await Effect.runPromise(h.port.add(repo, { path: h.freshPath(t), branch: t, base: "main" }))).path)
  const removed = new Set<TaskName>()
  // Drivers cannot act in a deleted directory, and real git refuses to commit or check out under a lock.
  const gone = new Set<TaskName>()
  const locked = new Set<TaskName>()
  const snapshots = new Map<TaskName, string>()
  const log: Array<unknown> = []
  let stamp = 0
  for (const a of actions) {
    if ("task" in a && removed.has(a.task)) continue // unregistered: nothing left to act on
    const driver =
      a.op === "write" || a.op === "commit" || a.op === "detach" || a.op === "deleteDir" || a.op === "indexLock"
    if (driver && "task" in a && gone.has(a.task)) continue
    if ((a.op === "commit" || a.op === "detach") && locked.has(a.task)) continue
    const wt = "task" in a ? wts.get(a.task)! : repo
    switch (a.op) {
      case "write":
      case "writeMain":
        await h.writeFile(wt, a.file, a.content)
        break
      case "commit":
      case "commitMain":
        // A stamp file keeps every commit non-empty, as an agent's commits are.
        await h.commitIn(wt, "work", {
          [a.file]: a.content,
          [`stamp-${"task" in a ? a.task : "main"}.txt`]: `${++stamp}\n`
        })
        break
      case "status":
        log.push(await outcome(h.port.status(wt), (s) => s))
        break
      case "snapshot":
        log.push(
          await outcome(h.port.snapshotWip(wt, { task: a.task }), (s) => {
            snapshots.set(a.task, s.ref)
            return s.ref
          })
        )
        break
      case "merge":
        log.push(await outcome(h.port.mergeInto(repo, { source: a.task, target: "main", message: `merge ${a.task}` })))
        break
      case "remove":
      case "removeWithSnapshot": {
        const ref = snapshots.get(a.task)
        const options = a.op === "removeWithSnapshot" && ref !== undefined ? { snapshotRef: ref } : {}
        const r = await outcome(h.port.remove(repo, wt, options))
        if (r === "ok") removed.add(a.task)
        log.push(r)
        break
      }
      case "deleteBranch":
        log.push(await outcome(h.port.deleteBranch(repo, a.task, { mergedInto: "main" })))
        break
      case "detach":
        await h.detachHead(wt)
        break
      case "deleteDir":
        await h.deleteDir(wt)
        gone.add(a.task)
        break
      case "indexLock":
        await h.leaveIndexLock(wt)
        locked.add(a.task)
        break
      case "prune":
        log.push(await outcome(h.port.prune(repo)))
        for (const t of gone) removed.add(t)
        break
    }
    const list = await Effect.runPromise(h.port.list(repo))
    log.push(
      list
        .map((w) => ({
          ...w,
          path: w.path === repo ? "main" : TASKS.find((t) => wts.get(t) === w.path),
          head: undefined
        }))
        .sort((x, y) => (String(x.path) < String(y.path) ? -1 : 1))
    )
  }
  log.push(await h.refFiles(repo, "main"), await outcome(h.port.status(repo), (s) => s))
  return log
}

describe("fake fidelity", () => {
  it("the fake and real git agree on every outcome of random action sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const fake = await makeFakeHarness()
        const real = await makeRealHarness()
        try {
          expect(await play(fake, actions)).toEqual(await play(real, actions))
        } finally {
          await real.cleanup()
        }
      }),
      { numRuns: 25 }
    )
  }, 180_000)
})
