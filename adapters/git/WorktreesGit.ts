/**
 * Real Worktrees adapter: git ≥ 2.36 (for `worktree list -z`) run through Exec, argv only, `--`
 * before every path and ref git accepts it for, every name checked before git sees it.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { ChildProcessSpawner } from "effect/process"
import type { PathState } from "../../core/domain/Signals.ts"
import { Worktrees } from "../../core/ports/Worktrees.ts"
import { deleteBranch, mergeInto } from "./GitMerge.ts"
import {
  ancestor,
  branchTip,
  checkBranch,
  checkRev,
  listWorktrees,
  pathState,
  resolveCommit,
  statusOf
} from "./GitOps.ts"
import { failure, type Git, type GitOptions, gitOk, makeGit, refuse } from "./GitRun.ts"
import { remove, snapshotWip } from "./GitSnapshot.ts"
import { isPassable, isValidRefPrefix } from "./RefNames.ts"

const isNonEmpty = (p: string): boolean => {
  try {
    return !fs.statSync(p).isDirectory() || fs.readdirSync(p).length > 0
  } catch {
    return false
  }
}

const add = (git: Git) =>
  Effect.fn("WorktreesGit.add")(function* (
    repo: string,
    options: { readonly path: string; readonly branch: string; readonly base: string }
  ) {
    yield* checkBranch(options.branch)
    yield* checkRev(options.base)
    if (!isPassable(options.path)) return yield* refuse("InvalidName", "the worktree path contains a NUL byte")
    const path = nodePath.resolve(options.path)
    // git 2.39 creates the branch before it notices the path is taken: check the path first.
    if (isNonEmpty(path)) return yield* refuse("Failed", `${path} already exists and is not empty`)
    if (yield* branchExists(git)(repo, options.branch))
      return yield* refuse("BranchExists", `branch ${options.branch} already exists`)
    const head = yield* resolveCommit(git, repo, options.base)
    const r = yield* git(repo, ["worktree", "add", "-b", options.branch, "--", path, head])
    if (r.exitCode === 0) return { path, head }
    // Undo a branch git created before failing, unless something now uses it.
    const holders = yield* Effect.orElseSucceed(listWorktrees(git, repo), () => [])
    if (!holders.some((w) => w.branch === options.branch)) {
      yield* Effect.ignore(git(repo, ["update-ref", "-d", `refs/heads/${options.branch}`, head]))
    }
    return yield* Effect.fail(
      failure(
        ["worktree", "add", path],
        r,
        /a branch named '.*' already exists/.test(r.stderr) ? "BranchExists" : "Failed"
      )
    )
  })

const checkout = (git: Git) =>
  Effect.fn("WorktreesGit.checkout")(function* (
    repo: string,
    options: { readonly path: string; readonly branch: string }
  ) {
    if (!isPassable(options.path)) return yield* refuse("InvalidName", "the worktree path contains a NUL byte")
    const path = nodePath.resolve(options.path)
    if (isNonEmpty(path)) return yield* refuse("Failed", `${path} already exists and is not empty`)
    const head = yield* branchTip(git, repo, options.branch)
    const holders = yield* listWorktrees(git, repo)
    const holder = holders.find((w) => w.branch === options.branch)
    if (holder !== undefined)
      return yield* refuse("CheckedOut", `branch ${options.branch} is checked out at ${holder.path}`)
    const r = yield* git(repo, ["worktree", "add", "--", path, options.branch])
    if (r.exitCode !== 0) return yield* Effect.fail(failure(["worktree", "add", path], r))
    return { path, head }
  })

const branchExists = (git: Git) =>
  Effect.fn("WorktreesGit.branchExists")(function* (repo: string, branch: string) {
    yield* checkBranch(branch)
    const r = yield* git(repo, ["show-ref", "--verify", "--quiet", "--", `refs/heads/${branch}`])
    if (r.exitCode === 0 || r.exitCode === 1) return r.exitCode === 0
    return yield* Effect.fail(failure(["show-ref", branch], r))
  })

const listRefs = (git: Git) =>
  Effect.fn("WorktreesGit.listRefs")(function* (repo: string, prefix: string) {
    if (!isValidRefPrefix(prefix)) return yield* refuse("InvalidName", `invalid ref prefix ${JSON.stringify(prefix)}`)
    const out = yield* gitOk(git, repo, ["for-each-ref", "--format=%(refname)%00%(objectname)", "--", prefix])
    return out
      .split("\n")
      .flatMap((line) => {
        const [ref, commit] = line.split("\0")
        return ref !== undefined && commit !== undefined && ref.startsWith(prefix) ? [{ ref, commit }] : []
      })
      .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  })

/** Build the adapter over a spawner (`options.env` is added to every git call). */
export const make = (options: GitOptions = {}) =>
  Effect.gen(function* () {
    const git = makeGit(yield* Effect.context<ChildProcessSpawner.ChildProcessSpawner>(), options)
    return Worktrees.of({
      list: (repo) => listWorktrees(git, repo),
      pathStates: (paths) =>
        Effect.sync(() => {
          const out: Record<string, PathState> = {}
          for (const p of paths) out[p] = pathState(p)
          return out
        }),
      add: add(git),
      checkout: checkout(git),
      status: (wt) => statusOf(git, wt),
      snapshotWip: snapshotWip(git),
      remove: remove(git),
      prune: (repo) => Effect.asVoid(gitOk(git, repo, ["worktree", "prune"])),
      currentBranch: Effect.fn("WorktreesGit.currentBranch")(function* (repo: string) {
        const r = yield* git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"])
        if (r.exitCode === 0) return r.stdout.trim()
        if (r.exitCode === 1) return yield* refuse("DetachedHead", `HEAD of ${repo} is detached`)
        return yield* Effect.fail(failure(["symbolic-ref", "HEAD"], r))
      }),
      revParse: (repo, rev) => Effect.andThen(checkRev(rev), resolveCommit(git, repo, rev)),
      isAncestor: Effect.fn("WorktreesGit.isAncestor")(function* (repo: string, a: string, b: string) {
        yield* checkRev(a)
        yield* checkRev(b)
        return yield* ancestor(git, repo, yield* resolveCommit(git, repo, a), yield* resolveCommit(git, repo, b))
      }),
      mergeInto: mergeInto(git),
      deleteBranch: deleteBranch(git),
      listRefs: listRefs(git),
      branchExists: branchExists(git)
    })
  })

/** The live layer. */
export const layer = (
  options: GitOptions = {}
): Layer.Layer<Worktrees, never, ChildProcessSpawner.ChildProcessSpawner> => Layer.effect(Worktrees, make(options))
