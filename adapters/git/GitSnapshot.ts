/**
 * The real adapter's two guarded operations on a task's worktree: the WIP snapshot (a commit of the
 * whole tree under `refs/rekindle/wip/<task>/<n>`, written without touching the worktree) and
 * `remove`, which refuses to lose anything a snapshot does not hold.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { WipSnapshot } from "../../core/ports/Worktrees.ts"
import { failure, type Git, gitOk, refuse } from "./GitRun.ts"
import {
  ancestor,
  checkRev,
  checkWorktreeRoot,
  gitPath,
  headCommit,
  listWorktrees,
  pathState,
  resolveCommit,
  samePath,
  statusOf,
  withIdentity,
  writeWholeTree
} from "./GitOps.ts"
import { isPassable, isValidWipTask, nextWipRef, wipPrefix } from "./RefNames.ts"

/** Concurrent snapshots of one task may race for the same number; a lost race just takes the next. */
const CREATE_ATTEMPTS = 5

/** Snapshot the whole worktree at `wt` (see the port's `snapshotWip`). */
export const snapshotWip = (git: Git) =>
  Effect.fn("WorktreesGit.snapshotWip")(function* (
    wt: string,
    options: { readonly task: string; readonly label?: string }
  ) {
    if (!isValidWipTask(options.task))
      return yield* refuse("InvalidName", `invalid snapshot label ${JSON.stringify(options.task)}`)
    if (!isPassable(options.label ?? "")) return yield* refuse("InvalidName", "the snapshot label contains a NUL byte")
    yield* checkWorktreeRoot(wt)
    const tree = yield* writeWholeTree(git, wt)
    const head = yield* headCommit(git, wt)
    const message = `rekindle wip: ${options.task}${options.label === undefined ? "" : `\n\n${options.label}`}`
    const args = ["commit-tree", "--no-gpg-sign", tree, ...(head === undefined ? [] : ["-p", head]), "-m", message]
    const made = yield* withIdentity(git, wt, args)
    if (made.exitCode !== 0) return yield* Effect.fail(failure(["commit-tree"], made))
    const commit = made.stdout.trim()
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const existing = yield* gitOk(git, wt, ["for-each-ref", "--format=%(refname)", "--", wipPrefix(options.task)])
      const ref = nextWipRef(options.task, existing.split("\n"))
      // An empty old value makes update-ref create-only: an existing snapshot is never overwritten.
      const r = yield* git(wt, ["update-ref", "-m", "rekindle: wip snapshot", ref, commit, ""])
      if (r.exitCode === 0) return { ref, commit } satisfies WipSnapshot
      if (!/already exists/.test(r.stderr)) return yield* Effect.fail(failure(["update-ref", ref], r))
    }
    return yield* refuse("Failed", `could not find a free snapshot ref under ${wipPrefix(options.task)}`)
  })

/** Whether some branch other than `own` contains `head`. */
const mergedElsewhere = (git: Git, repo: string, head: string, own: string | undefined) =>
  Effect.map(
    gitOk(git, repo, ["for-each-ref", "--contains", head, "--format=%(refname)", "--", "refs/heads/"]),
    (out) => out.split("\n").some((ref) => ref !== "" && ref !== `refs/heads/${own ?? ""}`)
  )

/** Remove a linked worktree (see the port's `remove`). */
export const remove = (git: Git) =>
  Effect.fn("WorktreesGit.remove")(function* (
    repo: string,
    path: string,
    options: { readonly snapshotRef?: string } = {}
  ) {
    const all = yield* listWorktrees(git, repo)
    const index = all.findIndex((w) => samePath(w.path, path))
    const entry = all[index]
    if (entry === undefined) return yield* refuse("NotAWorktree", `${path} is not a worktree of ${repo}`)
    if (index === 0 || entry.bare)
      return yield* refuse("NotAWorktree", `${entry.path} is the main worktree; it is never removed`)
    if (entry.locked) return yield* refuse("Locked", `${entry.path} is locked (git worktree lock); unlock it first`)
    const state = pathState(entry.path)
    if (state === "corrupt")
      return yield* refuse(
        "NotARepo",
        `${entry.path} is not a worktree (no .git in it); rekindle cannot tell what it holds`
      )
    const snapshot =
      options.snapshotRef === undefined
        ? undefined
        : yield* Effect.andThen(checkRev(options.snapshotRef), resolveCommit(git, repo, options.snapshotRef))
    let dirty = false
    if (state === "present") {
      const lock = `${yield* gitPath(git, entry.path, "index")}.lock`
      if (fs.existsSync(lock))
        return yield* refuse("Locked", `${lock} exists: another git is running there, or one crashed`)
      dirty = (yield* statusOf(git, entry.path)).dirty
    }
    const head = entry.head
    const covered =
      snapshot !== undefined &&
      head !== undefined &&
      (yield* ancestor(git, repo, head, snapshot)) &&
      (!dirty || (yield* writeWholeTree(git, entry.path)) === (yield* resolveTree(git, repo, snapshot)))
    if (!covered) {
      const stale = snapshot === undefined ? "" : ` (snapshot ${options.snapshotRef} does not hold its current state)`
      if (dirty) return yield* refuse("Dirty", `${entry.path} has uncommitted or untracked work${stale}`)
      if (head !== undefined && !(yield* mergedElsewhere(git, repo, head, entry.branch))) {
        return yield* refuse("Unmerged", `${entry.path}: HEAD ${head.slice(0, 12)} is in no other branch${stale}`)
      }
    }
    // Our own checks passed; --force only stops git from re-refusing untracked files we accounted for.
    yield* gitOk(git, repo, ["worktree", "remove", "--force", "--", entry.path])
  })

const resolveTree = (git: Git, repo: string, commit: string) =>
  Effect.map(gitOk(git, repo, ["rev-parse", "--verify", "--end-of-options", `${commit}^{tree}`]), (s) => s.trim())
