/**
 * The fake's `mergeInto`, step for step like the real one: a three-way merge computed off to the side
 * (nothing to clean up in a model), the `beforeAdvance` hook, then a compare-and-swap of the target
 * ref — or, when the target is checked out, a fast-forward of that worktree that keeps unrelated
 * local changes and refuses overlapping ones.
 */
import * as Effect from "effect/Effect"
import type { GitError, MergeRequest } from "../../core/ports/Worktrees.ts"
import { refuse } from "./GitRun.ts"
import { diffPaths, mergeBase, mergeTrees, statusEntries } from "./GitModel.ts"
import type { FakeRepo, GitWorld } from "./GitWorld.ts"

/** Merge `source` (commit of `request.source`) into `old` (commit of `request.target`) and advance. */
export const mergeIntoFake = (
  world: GitWorld,
  repo: FakeRepo,
  request: MergeRequest,
  source: string,
  old: string
): Effect.Effect<{ readonly commit: string }, GitError> =>
  Effect.gen(function* () {
    if (world.isAncestor(repo, source, old)) return { commit: old }
    const base = mergeBase(repo.commits, old, source)
    const merged = mergeTrees(world.treeOf(repo, base), world.treeOf(repo, old), world.treeOf(repo, source))
    if ("conflicts" in merged) {
      return yield* refuse(
        "Conflict",
        `merging conflicts in ${merged.conflicts.length} file(s): ${merged.conflicts.join(", ")}`,
        merged.conflicts
      )
    }
    const commit = world.commit(repo, merged.tree, [old, source], request.message)
    if (request.beforeAdvance !== undefined) yield* request.beforeAdvance
    const ref = `refs/heads/${request.target}`
    const holder = repo.worktrees.find((w) => "branch" in w.head && w.head.branch === request.target)
    const current = repo.refs.get(ref)
    if (holder === undefined) {
      if (current !== old) return yield* refuse("TargetMoved", `${request.target} moved while merging`)
      repo.refs.set(ref, commit)
      return { commit }
    }
    if (holder.dir !== "present") {
      return yield* refuse(
        "Failed",
        `${request.target} is checked out at ${holder.path}, which is gone; run prune first`
      )
    }
    // `git merge --ff-only` there: the fast-forward check, then the index lock, then local changes.
    if (current === undefined || !world.isAncestor(repo, current, commit)) {
      return yield* refuse("TargetMoved", `${request.target} moved while merging (not possible to fast-forward)`)
    }
    if (holder.indexLock) return yield* refuse("Locked", `${holder.path}/.git/index.lock exists`)
    const from = world.treeOf(repo, current)
    const to = world.treeOf(repo, commit)
    const incoming = new Set(diffPaths(from, to))
    const local = statusEntries(from, holder.index, holder.files).map((e) => e.path)
    const clash = local.filter((p) => incoming.has(p))
    if (clash.length > 0)
      return yield* refuse("Dirty", `local changes in ${holder.path} would be overwritten: ${clash.join(", ")}`)
    for (const p of incoming) {
      const content = to.get(p)
      if (content === undefined) {
        holder.files.delete(p)
        holder.index.delete(p)
      } else {
        holder.files.set(p, content)
        holder.index.set(p, content)
      }
    }
    repo.refs.set(ref, commit)
    return { commit }
  })
