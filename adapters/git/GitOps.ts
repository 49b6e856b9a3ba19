/**
 * Building blocks of the real adapter shared by its methods: name checks that fail `InvalidName`,
 * commit resolution, worktree listing, the stat-only path state, and the whole-tree write through a
 * temporary index that both snapshots and `remove`'s snapshot check rely on.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import type { PathState, WorktreeInfo } from "../../core/domain/Signals.ts"
import type { GitError, WorktreeStatus } from "../../core/ports/Worktrees.ts"
import { failure, type Git, type GitCall, gitOk, refuse } from "./GitRun.ts"
import { parseStatusV2, parseWorktreeList, summarizeStatus } from "./Porcelain.ts"
import { isSafeRev, isValidBranchName } from "./RefNames.ts"

/** Fail `InvalidName` unless `name` is a branch name rekindle accepts. */
export const checkBranch = (name: string): Effect.Effect<void, GitError> =>
  isValidBranchName(name) ? Effect.void : refuse("InvalidName", `invalid branch name ${JSON.stringify(name)}`)

/** Fail `InvalidName` unless `rev` is a revision rekindle passes on. */
export const checkRev = (rev: string): Effect.Effect<void, GitError> =>
  isSafeRev(rev) ? Effect.void : refuse("InvalidName", `invalid revision ${JSON.stringify(rev)}`)

/** The commit `rev` names; `missing` is the reason when it names none. */
export const resolveCommit = (
  git: Git,
  repo: string,
  rev: string,
  missing: "UnknownRev" | "BranchMissing" = "UnknownRev"
) =>
  Effect.flatMap(git(repo, ["rev-parse", "--verify", "-q", "--end-of-options", `${rev}^{commit}`]), (r) => {
    if (r.exitCode === 0) return Effect.succeed(r.stdout.trim())
    if (r.exitCode === 1) return refuse(missing, `${JSON.stringify(rev)} does not name a commit`)
    return Effect.fail(failure(["rev-parse", rev], r))
  })

/** The tip of branch `name` (`BranchMissing` when it does not exist). */
export const branchTip = (git: Git, repo: string, name: string) =>
  Effect.andThen(checkBranch(name), resolveCommit(git, repo, `refs/heads/${name}`, "BranchMissing"))

/** Every worktree of `repo`, main first. */
export const listWorktrees = (git: Git, repo: string): Effect.Effect<ReadonlyArray<WorktreeInfo>, GitError> =>
  Effect.map(gitOk(git, repo, ["worktree", "list", "--porcelain", "-z"]), parseWorktreeList)

/** Whether commit `a` is an ancestor of (or equal to) commit `b` (both already resolved). */
export const ancestor = (git: Git, repo: string, a: string, b: string) =>
  Effect.flatMap(git(repo, ["merge-base", "--is-ancestor", a, b]), (r) =>
    r.exitCode === 0 || r.exitCode === 1
      ? Effect.succeed(r.exitCode === 0)
      : Effect.fail(failure(["merge-base", a, b], r))
  )

/** Stat only: `present` (a directory holding `.git`), `missing`, or `corrupt` (anything else). */
export const pathState = (p: string): PathState => {
  try {
    if (!fs.statSync(p).isDirectory()) return "corrupt"
  } catch (e) {
    // Only "nothing there" is missing; a permission error must never read as "gone".
    return (e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR"
      ? "missing"
      : "corrupt"
  }
  try {
    fs.lstatSync(nodePath.join(p, ".git"))
    return "present"
  } catch {
    return "corrupt"
  }
}

/** Fail `NotARepo` unless `p` is a worktree root: guards against git finding an enclosing repo. */
export const checkWorktreeRoot = (p: string): Effect.Effect<void, GitError> => {
  const state = pathState(p)
  return state === "present"
    ? Effect.void
    : refuse("NotARepo", `${p} is not a worktree (${state === "missing" ? "no such directory" : "no .git in it"})`)
}

/** Status of the worktree at `wt` without taking any lock. */
export const statusOf = (git: Git, wt: string): Effect.Effect<WorktreeStatus, GitError> =>
  Effect.andThen(
    checkWorktreeRoot(wt),
    Effect.map(
      gitOk(git, wt, ["--no-optional-locks", "status", "--porcelain=v2", "-z", "--untracked-files=all"]),
      (out) => summarizeStatus(parseStatusV2(out))
    )
  )

/** Absolute path of a file in the worktree's own git dir (`index`, …). */
export const gitPath = (git: Git, wt: string, name: string) =>
  Effect.map(gitOk(git, wt, ["rev-parse", "--path-format=absolute", "--git-path", name]), (s) => s.trim())

/** The commit HEAD points at, or undefined when HEAD is unborn. */
export const headCommit = (git: Git, wt: string) =>
  Effect.flatMap(git(wt, ["rev-parse", "--verify", "-q", "HEAD^{commit}"]), (r) =>
    r.exitCode === 0
      ? Effect.succeed<string | undefined>(r.stdout.trim())
      : r.exitCode === 1
        ? Effect.succeed(undefined)
        : Effect.fail(failure(["rev-parse", "HEAD"], r))
  )

/**
 * Write the whole worktree (untracked files included, ignored ones not) as a tree, through a
 * temporary copy of its index: the real index, its lock and the files are never written.
 */
export const writeWholeTree = (git: Git, wt: string): Effect.Effect<string, GitError> =>
  Effect.acquireUseRelease(
    Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-index-"))),
    (dir) =>
      Effect.gen(function* () {
        const index = nodePath.join(dir, "index")
        const real = yield* gitPath(git, wt, "index")
        // Starting from a copy lets git reuse its stat cache instead of rehashing every file.
        yield* Effect.sync(() => fs.existsSync(real) && fs.copyFileSync(real, index))
        const env = { GIT_INDEX_FILE: index }
        yield* gitOk(git, wt, ["add", "-A"], { env })
        return (yield* gitOk(git, wt, ["write-tree"], { env })).trim()
      }),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

const IDENT_MISSING = /Please tell me who you are|empty ident|unable to auto-detect email|identity unknown/

/** Identity used only when git has none configured, so a snapshot or merge never fails for lack of one. */
const FALLBACK_IDENT = {
  GIT_AUTHOR_NAME: "rekindle",
  GIT_AUTHOR_EMAIL: "rekindle@localhost",
  GIT_COMMITTER_NAME: "rekindle",
  GIT_COMMITTER_EMAIL: "rekindle@localhost"
}

/** Run a committing git command, retrying with rekindle's identity when none is configured. */
export const withIdentity = (git: Git, dir: string, args: ReadonlyArray<string>, call: GitCall = {}) =>
  Effect.flatMap(git(dir, args, call), (r) =>
    r.exitCode !== 0 && IDENT_MISSING.test(r.stderr)
      ? git(dir, args, { ...call, env: { ...call.env, ...FALLBACK_IDENT } })
      : Effect.succeed(r)
  )

/** Resolve a path the way git records worktree paths (absolute; symlinks resolved when it exists). */
export const samePath = (listed: string, given: string): boolean => {
  const abs = nodePath.resolve(given)
  if (listed === abs) return true
  try {
    return listed === fs.realpathSync(abs) || fs.realpathSync(listed) === fs.realpathSync(abs)
  } catch {
    return false
  }
}
