/**
 * Port: git worktrees and the refs rekindle keeps beside them. One adapter serves many repos, so every
 * method takes the repo (or worktree) path explicitly. Nothing here ever disturbs a checkout the user
 * is looking at: snapshots use a temporary index, merges happen in a temporary worktree, and a branch
 * only moves by compare-and-swap.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PathState, WorktreeInfo } from "../domain/Signals.ts"

/**
 * Why a git operation failed. Closed on purpose: callers decide on these, never on messages.
 * - `NotARepo`: the path is not (inside) a repository, or a worktree path has no `.git`, or is gone.
 * - `NotAWorktree`: the path is not one of the repo's linked worktrees (`remove`).
 * - `InvalidName`: a branch, ref, rev or snapshot label was refused before git saw it (e.g. it starts
 *   with `-`), or a path or message holds a NUL byte.
 * - `Dirty`: uncommitted or untracked work would be lost or overwritten.
 * - `Unmerged`: commits reachable only from this worktree/branch would become unreferenced.
 * - `DetachedHead`: a branch was asked of a detached HEAD.
 * - `BranchExists` / `BranchMissing`: the branch to create exists / the branch to use does not.
 * - `UnknownRev`: a revision does not name a commit.
 * - `CheckedOut`: the branch is checked out in a worktree and cannot be deleted.
 * - `Conflict`: a merge conflicted (`paths` lists the conflicting files); nothing was changed.
 * - `TargetMoved`: the branch to advance moved meanwhile (compare-and-swap lost); nothing was changed.
 * - `Locked`: an `index.lock` is present (another git is running, or one crashed), or the worktree is
 *   locked with `git worktree lock`; the message names the path.
 * - `Timeout`: git did not finish in time. `Failed`: anything else (the message says what).
 */
export const GitErrorReason = Schema.Literals([
  "NotARepo",
  "NotAWorktree",
  "InvalidName",
  "Dirty",
  "Unmerged",
  "DetachedHead",
  "BranchExists",
  "BranchMissing",
  "UnknownRev",
  "CheckedOut",
  "Conflict",
  "TargetMoved",
  "Locked",
  "Timeout",
  "Failed"
])
/** @see GitErrorReason */
export type GitErrorReason = typeof GitErrorReason.Type

/** A git operation failed or was refused; `paths` carries the conflicting files of a `Conflict`. */
export class GitError extends Schema.TaggedError<GitError>()("GitError", {
  reason: GitErrorReason,
  message: Schema.String,
  paths: Schema.optionalKey(Schema.Array(Schema.String))
}) {}

/** Summary of `git status` for one worktree. */
export interface WorktreeStatus {
  /** Anything changed, staged, unmerged or untracked. */
  readonly dirty: boolean
  /** Untracked files (each file counts, not each directory). */
  readonly untracked: number
  /** Tracked paths changed, staged, renamed or unmerged. */
  readonly changed: number
}

/** A WIP snapshot: the ref it lives under and the commit. */
export interface WipSnapshot {
  readonly ref: string
  readonly commit: string
}

/** One ref and the object it points at. */
export interface RefEntry {
  readonly ref: string
  readonly commit: string
}

/** What {@link WorktreesShape.mergeInto} needs. */
export interface MergeRequest {
  /** Branch (short name) whose commits are merged. */
  readonly source: string
  /** Branch (short name) that receives the merge commit. */
  readonly target: string
  readonly message: string
  /**
   * Runs after the merge commit exists and before `target` moves: the place to journal the intent
   * (and, in tests, to move `target` concurrently). If it dies or is interrupted, `target` stays put.
   */
  readonly beforeAdvance?: Effect.Effect<void>
}

/** The operations rekindle needs from git. */
export interface WorktreesShape {
  /**
   * Every worktree of `repo` from one `git worktree list --porcelain -z`: the main worktree first,
   * the others in no promised order; paths as git records them (absolute).
   */
  readonly list: (repo: string) => Effect.Effect<ReadonlyArray<WorktreeInfo>, GitError>
  /**
   * For each path: `present` (a directory holding `.git`), `missing`, or `corrupt` (anything else
   * there, or unreadable). Stat only: never spawns, never fails.
   */
  readonly pathStates: (paths: ReadonlyArray<string>) => Effect.Effect<Readonly<Record<string, PathState>>>
  /**
   * Create branch `branch` at `base` (a commit or branch) checked out in a new worktree at `path`.
   * Fails `BranchExists` when the branch exists, `UnknownRev` for a bad base, `Failed` when `path`
   * already exists and is not empty; in every failure no branch and no worktree is left behind.
   */
  readonly add: (
    repo: string,
    options: { readonly path: string; readonly branch: string; readonly base: string }
  ) => Effect.Effect<{ readonly path: string; readonly head: string }, GitError>
  /**
   * Check out the EXISTING branch `branch` in a new worktree at `path` (its commits kept). Fails `BranchMissing`
   * when there is no such branch, `CheckedOut` when a worktree has it checked out, `Failed` when `path` already
   * exists and is not empty; a failure leaves no worktree.
   */
  readonly checkout: (
    repo: string,
    options: { readonly path: string; readonly branch: string }
  ) => Effect.Effect<{ readonly path: string; readonly head: string }, GitError>
  /** Status of the worktree rooted at `worktreePath` (NotARepo when it has no `.git`). Takes no lock. */
  readonly status: (worktreePath: string) => Effect.Effect<WorktreeStatus, GitError>
  /**
   * Commit the WHOLE worktree (tracked changes, untracked files; ignored files excluded) on top of
   * HEAD, through a temporary index, to `refs/rekindle/wip/<task>/<n>` (n = next free number). The
   * worktree's files, its index and HEAD are left byte-identical; a stale `index.lock` does not stop it.
   * An unborn HEAD gives a root commit. `worktreePath` must be a worktree root (`NotARepo` otherwise,
   * so an enclosing repo is never snapshotted by mistake). `task` must be a safe id (an orphan label
   * works too); `label` goes into the commit message.
   */
  readonly snapshotWip: (
    worktreePath: string,
    options: { readonly task: string; readonly label?: string }
  ) => Effect.Effect<WipSnapshot, GitError>
  /**
   * Remove the linked worktree at `path` (its branch stays). Refused with `Dirty` when it has local
   * work, `Unmerged` when its HEAD is contained in no branch other than its own, `Locked` when an
   * `index.lock` is present or it is `git worktree lock`ed — unless `snapshotRef` names a snapshot
   * whose commit descends from HEAD and whose tree is exactly the current worktree state. A worktree
   * whose directory is gone is only unregistered (still refused when unmerged). A directory without
   * `.git` is refused (`NotARepo`): rekindle cannot tell what it holds.
   */
  readonly remove: (
    repo: string,
    path: string,
    options?: { readonly snapshotRef?: string }
  ) => Effect.Effect<void, GitError>
  /** `git worktree prune`: forget worktrees whose directory is gone. */
  readonly prune: (repo: string) => Effect.Effect<void, GitError>
  /** Short name of the branch checked out at `repo`; `DetachedHead` when there is none. */
  readonly currentBranch: (repo: string) => Effect.Effect<string, GitError>
  /** The commit id `rev` names (`UnknownRev` when none). */
  readonly revParse: (repo: string, rev: string) => Effect.Effect<string, GitError>
  /** Whether commit `ancestor` is an ancestor of (or equal to) `descendant`. */
  readonly isAncestor: (repo: string, ancestor: string, descendant: string) => Effect.Effect<boolean, GitError>
  /**
   * Merge branch `source` into branch `target` (always a merge commit) in a temporary worktree, then
   * advance `target` by compare-and-swap — or, when `target` is checked out somewhere, by
   * `merge --ff-only` in that worktree. `Conflict` (with paths), `TargetMoved`, `Dirty` or `Locked`
   * leave `target` where it was; the temporary worktree is always removed. When `source` is already
   * contained in `target`, nothing happens and `target`'s commit is returned.
   */
  readonly mergeInto: (repo: string, request: MergeRequest) => Effect.Effect<{ readonly commit: string }, GitError>
  /**
   * Delete branch `branch` only when it is contained in `mergedInto` (`Unmerged` otherwise), not
   * checked out anywhere (`CheckedOut`), and still where it was when checked (`TargetMoved`).
   */
  readonly deleteBranch: (
    repo: string,
    branch: string,
    options: { readonly mergedInto: string }
  ) => Effect.Effect<void, GitError>
  /** Refs under `prefix` (which starts with `refs/` and ends with `/`), sorted by name. */
  readonly listRefs: (repo: string, prefix: string) => Effect.Effect<ReadonlyArray<RefEntry>, GitError>
  /** Whether `refs/heads/<branch>` exists. */
  readonly branchExists: (repo: string, branch: string) => Effect.Effect<boolean, GitError>
}

/** Service tag for {@link WorktreesShape}. */
export class Worktrees extends Context.Service<Worktrees, WorktreesShape>()("rekindle/Worktrees") {}
