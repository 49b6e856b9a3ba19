/**
 * Fake Worktrees over a {@link GitWorld}: the same checks, in the same order, with the same
 * `reason`s as the real adapter (the contract suite runs both), on an in-memory model of git.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as nodePath from "node:path"
import type { PathState } from "../../core/domain/Signals.ts"
import { type MergeRequest, Worktrees } from "../../core/ports/Worktrees.ts"
import { refuse } from "./GitRun.ts"
import { sameTree, statusEntries } from "./GitModel.ts"
import type { FakeRepo, FakeWorktree, GitWorld } from "./GitWorld.ts"
import { summarizeStatus } from "./Porcelain.ts"
import { isPassable, isSafeRev, isValidBranchName, isValidRefPrefix, isValidWipTask, nextWipRef } from "./RefNames.ts"
import { mergeIntoFake } from "./WorktreesFakeMerge.ts"

/** Build the fake over `world`. */
export const make = (world: GitWorld): Worktrees["Service"] => {
  const live = Effect.suspend(() => (world.hung ? refuse("Timeout", "git did not finish (fake: hung)") : Effect.void))
  const branchName = (b: string) =>
    isValidBranchName(b) ? Effect.void : refuse("InvalidName", `invalid branch name ${JSON.stringify(b)}`)
  const revName = (r: string) =>
    isSafeRev(r) ? Effect.void : refuse("InvalidName", `invalid revision ${JSON.stringify(r)}`)
  const repoOf = (dir: string) =>
    Effect.andThen(
      live,
      Effect.suspend(() => {
        const found = world.discover(dir)
        return found === undefined ? refuse("NotARepo", `not a git repository: ${dir}`) : Effect.succeed(found)
      })
    )
  const resolve = (repo: FakeRepo, rev: string, missing: "UnknownRev" | "BranchMissing" = "UnknownRev") => {
    const id = world.resolve(repo, rev)
    return id === undefined ? refuse(missing, `${JSON.stringify(rev)} does not name a commit`) : Effect.succeed(id)
  }
  /** Branch tip, checked in the real adapter's order: name, then repo, then existence. */
  const tip = (repoPath: string, branch: string) =>
    Effect.andThen(
      branchName(branch),
      Effect.flatMap(repoOf(repoPath), ({ repo }) =>
        Effect.map(resolve(repo, `refs/heads/${branch}`, "BranchMissing"), (id) => ({ repo, id }))
      )
    )
  /** A worktree root: stat-checked before git runs (so a hung git is only met afterwards). */
  const root = (path: string) =>
    Effect.flatMap(
      Effect.suspend(() => {
        const found = world.worktreeAt(path)
        if (found === undefined || found.wt.dir !== "present") return refuse("NotARepo", `${path} is not a worktree`)
        return Effect.succeed(found)
      }),
      (found) => Effect.as(live, found)
    )
  const entries = (repo: FakeRepo, wt: FakeWorktree) =>
    statusEntries(world.treeOf(repo, world.headOf(repo, wt)), wt.index, wt.files)
  const list = (repo: FakeRepo) =>
    repo.worktrees.map((wt) => {
      const head = world.headOf(repo, wt)
      return {
        path: wt.path,
        ...(head === undefined ? {} : { head }),
        ...("branch" in wt.head ? { branch: wt.head.branch } : {}),
        bare: false,
        detached: "detached" in wt.head,
        locked: wt.locked,
        prunable: wt.dir !== "present"
      }
    })
  const pathState = (p: string): PathState => {
    const found = world.worktreeAt(p)
    if (found !== undefined)
      return found.wt.dir === "present" ? "present" : found.wt.dir === "deleted" ? "missing" : "corrupt"
    return world.plainDirs.has(nodePath.resolve(p)) ? "corrupt" : "missing"
  }

  const remove = Effect.fn("WorktreesFake.remove")(function* (
    repoPath: string,
    path: string,
    options: { readonly snapshotRef?: string } = {}
  ) {
    const { repo } = yield* repoOf(repoPath)
    const index = repo.worktrees.findIndex((w) => w.path === nodePath.resolve(path))
    const wt = repo.worktrees[index]
    if (wt === undefined) return yield* refuse("NotAWorktree", `${path} is not a worktree of ${repoPath}`)
    if (index === 0) return yield* refuse("NotAWorktree", `${wt.path} is the main worktree; it is never removed`)
    if (wt.locked) return yield* refuse("Locked", `${wt.path} is locked (git worktree lock)`)
    if (wt.dir === "corrupt") return yield* refuse("NotARepo", `${wt.path} is not a worktree (no .git in it)`)
    let snapshot: string | undefined
    if (options.snapshotRef !== undefined) {
      yield* revName(options.snapshotRef)
      snapshot = yield* resolve(repo, options.snapshotRef)
    }
    let dirty = false
    if (wt.dir === "present") {
      if (wt.indexLock) return yield* refuse("Locked", `${wt.path}/.git/index.lock exists`)
      dirty = entries(repo, wt).length > 0
    }
    const head = world.headOf(repo, wt)
    const covered =
      snapshot !== undefined &&
      head !== undefined &&
      world.isAncestor(repo, head, snapshot) &&
      (!dirty || sameTree(world.treeOf(repo, snapshot), wt.files))
    if (!covered) {
      if (dirty) return yield* refuse("Dirty", `${wt.path} has uncommitted or untracked work`)
      const own = "branch" in wt.head ? `refs/heads/${wt.head.branch}` : undefined
      const elsewhere = [...repo.refs].some(
        ([ref, id]) =>
          ref.startsWith("refs/heads/") && ref !== own && head !== undefined && world.isAncestor(repo, head, id)
      )
      if (head !== undefined && !elsewhere) return yield* refuse("Unmerged", `${wt.path}: HEAD is in no other branch`)
    }
    repo.worktrees.splice(index, 1)
  })

  const add = Effect.fn("WorktreesFake.add")(function* (
    repoPath: string,
    options: { readonly path: string; readonly branch: string; readonly base: string }
  ) {
    yield* branchName(options.branch)
    yield* revName(options.base)
    if (!isPassable(options.path)) return yield* refuse("InvalidName", "the worktree path contains a NUL byte")
    const path = nodePath.resolve(options.path)
    const taken = world.worktreeAt(path)
    if (world.plainDirs.has(path) || (taken !== undefined && taken.wt.dir !== "deleted")) {
      return yield* refuse("Failed", `${path} already exists and is not empty`)
    }
    const { repo } = yield* repoOf(repoPath)
    if (repo.refs.has(`refs/heads/${options.branch}`))
      return yield* refuse("BranchExists", `branch ${options.branch} already exists`)
    const head = yield* resolve(repo, options.base)
    if (taken !== undefined) return yield* refuse("Failed", `${path} is a missing but already registered worktree`)
    repo.refs.set(`refs/heads/${options.branch}`, head)
    repo.worktrees.push(world.checkout(path, { branch: options.branch }, world.treeOf(repo, head)))
    return { path, head }
  })

  const checkout = Effect.fn("WorktreesFake.checkout")(function* (
    repoPath: string,
    options: { readonly path: string; readonly branch: string }
  ) {
    if (!isPassable(options.path)) return yield* refuse("InvalidName", "the worktree path contains a NUL byte")
    const path = nodePath.resolve(options.path)
    const taken = world.worktreeAt(path)
    if (world.plainDirs.has(path) || (taken !== undefined && taken.wt.dir !== "deleted")) {
      return yield* refuse("Failed", `${path} already exists and is not empty`)
    }
    yield* branchName(options.branch)
    const { repo } = yield* repoOf(repoPath)
    const head = yield* resolve(repo, `refs/heads/${options.branch}`, "BranchMissing")
    const holder = repo.worktrees.find((w) => "branch" in w.head && w.head.branch === options.branch)
    if (holder !== undefined)
      return yield* refuse("CheckedOut", `branch ${options.branch} is checked out at ${holder.path}`)
    if (taken !== undefined) return yield* refuse("Failed", `${path} is a missing but already registered worktree`)
    repo.worktrees.push(world.checkout(path, { branch: options.branch }, world.treeOf(repo, head)))
    return { path, head }
  })

  return Worktrees.of({
    list: (repo) => Effect.map(repoOf(repo), ({ repo }) => list(repo)),
    pathStates: (paths) => Effect.sync(() => Object.fromEntries(paths.map((p) => [p, pathState(p)]))),
    add,
    checkout,
    status: (wt) => Effect.map(root(wt), ({ repo, wt }) => summarizeStatus(entries(repo, wt))),
    snapshotWip: Effect.fn("WorktreesFake.snapshotWip")(function* (
      path: string,
      options: { readonly task: string; readonly label?: string }
    ) {
      if (!isValidWipTask(options.task))
        return yield* refuse("InvalidName", `invalid snapshot label ${JSON.stringify(options.task)}`)
      if (!isPassable(options.label ?? ""))
        return yield* refuse("InvalidName", "the snapshot label contains a NUL byte")
      const { repo, wt } = yield* root(path)
      const head = world.headOf(repo, wt)
      const commit = world.commit(
        repo,
        wt.files,
        head === undefined ? [] : [head],
        `rekindle wip: ${options.task}${options.label === undefined ? "" : `\n\n${options.label}`}`
      )
      const ref = nextWipRef(options.task, [...repo.refs.keys()])
      repo.refs.set(ref, commit)
      return { ref, commit }
    }),
    remove,
    prune: (repoPath) =>
      Effect.map(repoOf(repoPath), ({ repo }) => {
        const keep = repo.worktrees.filter((w, i) => i === 0 || w.dir === "present")
        repo.worktrees.splice(0, repo.worktrees.length, ...keep)
      }),
    currentBranch: (repoPath) =>
      Effect.flatMap(repoOf(repoPath), ({ wt }) =>
        "branch" in wt.head ? Effect.succeed(wt.head.branch) : refuse("DetachedHead", `HEAD of ${repoPath} is detached`)
      ),
    revParse: (repoPath, rev) =>
      Effect.andThen(
        revName(rev),
        Effect.flatMap(repoOf(repoPath), ({ repo, wt }) => {
          const id = world.resolve(repo, rev, wt)
          return id === undefined
            ? refuse("UnknownRev", `${JSON.stringify(rev)} does not name a commit`)
            : Effect.succeed(id)
        })
      ),
    isAncestor: (repoPath, a, b) =>
      Effect.gen(function* () {
        yield* revName(a)
        yield* revName(b)
        const { repo, wt } = yield* repoOf(repoPath)
        const ids = [world.resolve(repo, a, wt), world.resolve(repo, b, wt)]
        if (ids[0] === undefined || ids[1] === undefined)
          return yield* refuse("UnknownRev", `${a} or ${b} does not name a commit`)
        return world.isAncestor(repo, ids[0], ids[1])
      }),
    mergeInto: (repoPath: string, request: MergeRequest) =>
      Effect.gen(function* () {
        if (!isPassable(request.message)) return yield* refuse("InvalidName", "the merge message contains a NUL byte")
        const source = yield* tip(repoPath, request.source)
        const target = yield* tip(repoPath, request.target)
        return yield* mergeIntoFake(world, source.repo, request, source.id, target.id)
      }),
    deleteBranch: Effect.fn("WorktreesFake.deleteBranch")(function* (
      repoPath: string,
      branch: string,
      options: { readonly mergedInto: string }
    ) {
      const { repo, id: at } = yield* tip(repoPath, branch)
      yield* revName(options.mergedInto)
      const into = yield* resolve(repo, options.mergedInto)
      const holder = repo.worktrees.find((w) => "branch" in w.head && w.head.branch === branch)
      if (holder !== undefined) return yield* refuse("CheckedOut", `${branch} is checked out at ${holder.path}`)
      if (!world.isAncestor(repo, at, into))
        return yield* refuse("Unmerged", `${branch} is not merged into ${options.mergedInto}`)
      repo.refs.delete(`refs/heads/${branch}`)
    }),
    listRefs: (repoPath, prefix) =>
      isValidRefPrefix(prefix)
        ? Effect.map(repoOf(repoPath), ({ repo }) =>
            [...repo.refs]
              .filter(([ref]) => ref.startsWith(prefix))
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([ref, commit]) => ({ ref, commit }))
          )
        : refuse("InvalidName", `invalid ref prefix ${JSON.stringify(prefix)}`),
    branchExists: (repoPath, branch) =>
      Effect.andThen(
        branchName(branch),
        Effect.map(repoOf(repoPath), ({ repo }) => repo.refs.has(`refs/heads/${branch}`))
      )
  })
}

/** Layer form of {@link make}. */
export const layer = (world: GitWorld): Layer.Layer<Worktrees> => Layer.succeed(Worktrees, make(world))
