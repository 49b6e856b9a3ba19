/**
 * The real adapter's branch-moving operations. A merge is computed in a temporary detached worktree
 * inside the git dir (the user's checkouts are never touched), then the target advances by
 * compare-and-swap; a branch is deleted only if merged and only if it has not moved since the check.
 */
import * as Effect from "effect/Effect"
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { processAlive } from "../exec/ProcessAlive.ts"
import type { MergeRequest } from "../../core/ports/Worktrees.ts"
import { failure, type Git, gitOk, refuse } from "./GitRun.ts"
import { ancestor, branchTip, checkRev, listWorktrees, pathState, resolveCommit, withIdentity } from "./GitOps.ts"
import { splitNul } from "./Porcelain.ts"
import { isPassable } from "./RefNames.ts"

// The temporary worktree is plumbing: the user's hooks (post-checkout, commit-msg…) must not run
// there, and Git LFS need not download content a merge of pointer files never looks at.
const NO_HOOKS = ["-c", "core.hooksPath=/dev/null"]
const PLUMBING = { env: { GIT_LFS_SKIP_SMUDGE: "1" } }

/** Remove one temporary merge worktree: git's registration (only if it is ours) and the directory. */
const removeTemp = (git: Git, repo: string, common: string, tmp: string) =>
  Effect.gen(function* () {
    yield* Effect.ignore(git(repo, [...NO_HOOKS, "worktree", "remove", "--force", "--force", "--", tmp]))
    // If git could not remove it, remove exactly our directory and our registration — never
    // `worktree prune`, which would also forget other worktrees whose directory is missing.
    yield* Effect.sync(() => {
      const admin = nodePath.join(common, "worktrees", nodePath.basename(tmp))
      let ours = false
      try {
        ours = fs.readFileSync(nodePath.join(admin, "gitdir"), "utf8").trim() === nodePath.join(tmp, ".git")
      } catch {
        ours = false
      }
      if (ours) fs.rmSync(admin, { recursive: true, force: true })
      fs.rmSync(tmp, { recursive: true, force: true })
    })
  })

const TEMP = /^rekindle-merge-(\d+)-[0-9a-f-]+$/

/**
 * Temporary merge worktrees left by a process that died mid-merge (SIGKILL skips the finaliser):
 * named with their owner's pid, they are removed once that process is gone — never one in use.
 */
const sweepStaleTemps = (git: Git, repo: string, common: string) =>
  Effect.gen(function* () {
    const names = yield* Effect.sync(() => {
      try {
        return fs.readdirSync(common)
      } catch {
        return [] as Array<string>
      }
    })
    for (const name of names) {
      const m = TEMP.exec(name)
      if (m !== null && !processAlive(Number(m[1]))) yield* removeTemp(git, repo, common, nodePath.join(common, name))
    }
  })

/** Make the merge commit of `source` into `old` in a temporary worktree; always removes it. */
const mergeCommit = (git: Git, repo: string, old: string, source: string, message: string) =>
  Effect.gen(function* () {
    const common = (yield* gitOk(git, repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"])).trim()
    yield* sweepStaleTemps(git, repo, common)
    const tmp = nodePath.join(common, `rekindle-merge-${process.pid}-${randomUUID()}`)
    const cleanup = removeTemp(git, repo, common, tmp)
    const work = Effect.gen(function* () {
      yield* gitOk(git, repo, [...NO_HOOKS, "worktree", "add", "--detach", "--", tmp, old], PLUMBING)
      const merged = yield* withIdentity(
        git,
        tmp,
        [...NO_HOOKS, "merge", "--no-ff", "--no-edit", "-m", message, source],
        PLUMBING
      )
      if (merged.exitCode !== 0) {
        const conflicts = splitNul(yield* gitOk(git, tmp, ["diff", "--name-only", "--diff-filter=U", "-z"]))
        if (conflicts.length > 0) {
          return yield* refuse(
            "Conflict",
            `merging conflicts in ${conflicts.length} file(s): ${conflicts.join(", ")}`,
            conflicts
          )
        }
        return yield* Effect.fail(failure(["merge", source], merged))
      }
      return (yield* gitOk(git, tmp, ["rev-parse", "--verify", "HEAD^{commit}"])).trim()
    })
    return yield* Effect.ensuring(work, Effect.uninterruptible(cleanup))
  })

/** Merge `source` into `target` and advance it (see the port's `mergeInto`). */
export const mergeInto = (git: Git) =>
  Effect.fn("WorktreesGit.mergeInto")(function* (repo: string, request: MergeRequest) {
    if (!isPassable(request.message)) return yield* refuse("InvalidName", "the merge message contains a NUL byte")
    const source = yield* branchTip(git, repo, request.source)
    const old = yield* branchTip(git, repo, request.target)
    if (yield* ancestor(git, repo, source, old)) return { commit: old }
    const commit = yield* mergeCommit(git, repo, old, source, request.message)
    if (request.beforeAdvance !== undefined) yield* request.beforeAdvance
    const holder = (yield* listWorktrees(git, repo)).find((w) => w.branch === request.target)
    if (holder === undefined) {
      const r = yield* git(repo, ["update-ref", "-m", request.message, `refs/heads/${request.target}`, commit, old])
      if (r.exitCode !== 0) {
        // failure() reports a held ref lock as Locked before this fallback applies.
        const moved = /but expected|cannot lock ref/.test(r.stderr)
        return yield* Effect.fail(failure(["update-ref", request.target], r, moved ? "TargetMoved" : "Failed"))
      }
      return { commit }
    }
    if (pathState(holder.path) !== "present") {
      return yield* refuse(
        "Failed",
        `${request.target} is checked out at ${holder.path}, which is gone; run prune first`
      )
    }
    // The checked-out copy moves with its branch: fast-forward only, so a moved target is refused.
    const r = yield* git(holder.path, ["merge", "--ff-only", "--no-edit", commit])
    if (r.exitCode === 0) return { commit }
    const reason = /Not possible to fast-forward/.test(r.stderr)
      ? "TargetMoved"
      : /would be overwritten|not uptodate|Your local changes/.test(r.stderr)
        ? "Dirty"
        : "Failed"
    return yield* Effect.fail(failure(["merge", "--ff-only", commit], r, reason))
  })

/** Delete a merged branch (see the port's `deleteBranch`). */
export const deleteBranch = (git: Git) =>
  Effect.fn("WorktreesGit.deleteBranch")(function* (
    repo: string,
    branch: string,
    options: { readonly mergedInto: string }
  ) {
    const tip = yield* branchTip(git, repo, branch)
    yield* checkRev(options.mergedInto)
    const into = yield* resolveCommit(git, repo, options.mergedInto)
    const holder = (yield* listWorktrees(git, repo)).find((w) => w.branch === branch)
    if (holder !== undefined) return yield* refuse("CheckedOut", `${branch} is checked out at ${holder.path}`)
    if (!(yield* ancestor(git, repo, tip, into))) {
      return yield* refuse("Unmerged", `${branch} (${tip.slice(0, 12)}) is not merged into ${options.mergedInto}`)
    }
    const r = yield* git(repo, ["update-ref", "-d", `refs/heads/${branch}`, tip])
    if (r.exitCode !== 0) return yield* Effect.fail(failure(["update-ref", "-d", branch], r, "TargetMoved"))
  })
