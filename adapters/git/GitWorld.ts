/**
 * The fake machine's git: repos with commits (id, parents, file-map tree), refs (`refs/heads/*`,
 * `refs/rekindle/*`), and worktrees (branch or detached HEAD, working files, index, directory
 * present / deleted / without `.git`, `worktree lock`, a leftover `index.lock`). Drivers act as the
 * agent, the user or a crash would; the fake adapter reads and changes the same world.
 */
import { createHash } from "node:crypto"
import * as nodePath from "node:path"
import type { FakeClock } from "../testing/World.ts"
import { ancestorsOf, type FakeCommit, type Tree } from "./GitModel.ts"

/** A worktree of a fake repo; the first one of a repo is its main worktree (path = repo root). */
export interface FakeWorktree {
  readonly path: string
  head: { readonly branch: string } | { readonly detached: string }
  files: Map<string, string>
  index: Map<string, string>
  dir: "present" | "deleted" | "corrupt"
  locked: boolean
  indexLock: boolean
}

/** A fake repository. */
export interface FakeRepo {
  readonly root: string
  readonly commits: Map<string, FakeCommit>
  readonly refs: Map<string, string>
  readonly worktrees: Array<FakeWorktree>
}

/** The fake git world shared by the fake adapter and the test drivers. */
export class GitWorld {
  readonly clock: FakeClock
  /** Directories that are not worktrees (a `corrupt` path; a taken path for `add`). */
  readonly plainDirs = new Set<string>()
  /** When true every git call times out (a hung git). */
  hung = false
  private readonly repos = new Map<string, FakeRepo>()
  private made = 0

  constructor(clock: FakeClock) {
    this.clock = clock
  }

  /** Driver: `git init -b <branch>` at `root`, with `files` committed. Returns the repo. */
  initRepo(root: string, files: Readonly<Record<string, string>> = {}, branch = "main"): FakeRepo {
    const repo: FakeRepo = { root: nodePath.resolve(root), commits: new Map(), refs: new Map(), worktrees: [] }
    this.repos.set(repo.root, repo)
    const tree = new Map(Object.entries(files))
    const id = this.commit(repo, tree, [], "initial")
    repo.refs.set(`refs/heads/${branch}`, id)
    repo.worktrees.push(this.checkout(repo.root, { branch }, tree))
    return repo
  }

  /**
   * Driver: `git worktree add -b <branch> <path> <base>` in the repo at `root`, as a host
   * orchestrator makes its own worktrees. Throws when the repo, the base or a free branch is missing.
   */
  addWorktree(root: string, path: string, branch: string, base = "HEAD"): FakeWorktree {
    const repo = this.repos.get(nodePath.resolve(root))
    if (repo === undefined) throw new Error(`no fake repo at ${root}`)
    const head = this.resolve(repo, base)
    if (head === undefined) throw new Error(`no revision ${base} in ${root}`)
    if (repo.refs.has(`refs/heads/${branch}`)) throw new Error(`branch ${branch} already exists in ${root}`)
    repo.refs.set(`refs/heads/${branch}`, head)
    const wt = this.checkout(nodePath.resolve(path), { branch }, this.treeOf(repo, head))
    repo.worktrees.push(wt)
    return wt
  }

  /** Store a commit; ids look like git's (40 hex) and never repeat. */
  commit(repo: FakeRepo, tree: Tree, parents: ReadonlyArray<string>, message: string): string {
    this.made += 1
    const id = createHash("sha1")
      .update(`${this.made}\0${this.clock.now()}\0${message}\0${parents.join(",")}`)
      .digest("hex")
    repo.commits.set(id, { id, parents: [...parents], tree: new Map(tree), message })
    return id
  }

  /** A new worktree record with `tree` checked out. */
  checkout(path: string, head: FakeWorktree["head"], tree: Tree): FakeWorktree {
    return { path, head, files: new Map(tree), index: new Map(tree), dir: "present", locked: false, indexLock: false }
  }

  /** The repo whose worktree holds `dir`, as `git -C dir` would discover it (innermost worktree). */
  discover(dir: string): { readonly repo: FakeRepo; readonly wt: FakeWorktree } | undefined {
    const abs = nodePath.resolve(dir)
    let best: { repo: FakeRepo; wt: FakeWorktree } | undefined
    for (const repo of this.repos.values()) {
      for (const wt of repo.worktrees) {
        const inside = abs === wt.path || abs.startsWith(`${wt.path}/`)
        if (!inside) continue
        if (wt.dir === "deleted") return undefined // `cannot change to`: the directory is gone
        if (wt.dir === "present" && (best === undefined || wt.path.length > best.wt.path.length)) best = { repo, wt }
      }
    }
    return best
  }

  /** The worktree registered at exactly `path` (in whatever state). */
  worktreeAt(path: string): { readonly repo: FakeRepo; readonly wt: FakeWorktree } | undefined {
    const abs = nodePath.resolve(path)
    for (const repo of this.repos.values()) {
      const wt = repo.worktrees.find((w) => w.path === abs)
      if (wt !== undefined) return { repo, wt }
    }
    return undefined
  }

  /** The commit a worktree's HEAD points at. */
  headOf(repo: FakeRepo, wt: FakeWorktree): string | undefined {
    return "branch" in wt.head ? repo.refs.get(`refs/heads/${wt.head.branch}`) : wt.head.detached
  }

  /** The tree of `commit` (empty for an unknown one). */
  treeOf(repo: FakeRepo, commit: string | undefined): Tree {
    return (commit === undefined ? undefined : repo.commits.get(commit)?.tree) ?? new Map()
  }

  /** What `rev-parse` would answer for `rev` (ids, abbreviated ids, refs, branches, `HEAD`). */
  resolve(repo: FakeRepo, rev: string, from?: FakeWorktree): string | undefined {
    if (rev === "HEAD") return this.headOf(repo, from ?? repo.worktrees[0]!)
    for (const name of [rev, `refs/${rev}`, `refs/tags/${rev}`, `refs/heads/${rev}`]) {
      const id = repo.refs.get(name)
      if (id !== undefined) return id
    }
    if (!/^[0-9a-f]{4,40}$/.test(rev)) return undefined
    const hits = [...repo.commits.keys()].filter((id) => id.startsWith(rev))
    return hits.length === 1 ? hits[0] : undefined
  }

  /** Whether `a` is an ancestor of (or equal to) `b`. */
  isAncestor(repo: FakeRepo, a: string, b: string): boolean {
    return ancestorsOf(repo.commits, b).has(a)
  }

  private must(path: string): { readonly repo: FakeRepo; readonly wt: FakeWorktree } {
    const found = this.worktreeAt(path)
    if (found === undefined) throw new Error(`fake git: no worktree at ${path}`)
    return found
  }

  private mustRepo(root: string): FakeRepo {
    const repo = this.repos.get(nodePath.resolve(root))
    if (repo === undefined) throw new Error(`fake git: no repo at ${root}`)
    return repo
  }

  /** Driver: write a file in a worktree without staging it (a modified or untracked file). */
  dirtyWorktree(path: string, file: string, content: string): void {
    this.must(path).wt.files.set(file, content)
  }

  /** Driver: what an agent does — write `files`, then `git add -A && git commit`. Returns the commit. */
  commitInWorktree(path: string, message: string, files: Readonly<Record<string, string>> = {}): string {
    const { repo, wt } = this.must(path)
    for (const [f, c] of Object.entries(files)) wt.files.set(f, c)
    const parent = this.headOf(repo, wt)
    const id = this.commit(repo, wt.files, parent === undefined ? [] : [parent], message)
    wt.index = new Map(wt.files)
    if ("branch" in wt.head) repo.refs.set(`refs/heads/${wt.head.branch}`, id)
    else wt.head = { detached: id }
    return id
  }

  /** Driver: `rm -rf` a worktree's directory (git still lists it, as prunable). */
  deleteWorktreeDir(path: string): void {
    this.must(path).wt.dir = "deleted"
  }

  /** Driver: the worktree directory stays but its `.git` file is gone. */
  corruptWorktreeDir(path: string): void {
    this.must(path).wt.dir = "corrupt"
  }

  /** Driver: a (non-empty) directory that is not a worktree. */
  makeDir(path: string): void {
    this.plainDirs.add(nodePath.resolve(path))
  }

  /** Driver: delete a branch by hand (`git update-ref -d`, no checks). */
  deleteBranch(root: string, branch: string): void {
    this.mustRepo(root).refs.delete(`refs/heads/${branch}`)
  }

  /** Driver: a git process crashed (or is running) in this worktree, leaving `index.lock`. */
  leaveIndexLock(path: string): void {
    this.must(path).wt.indexLock = true
  }

  /** Driver: the `index.lock` is removed. */
  clearIndexLock(path: string): void {
    this.must(path).wt.indexLock = false
  }

  /** Driver: someone moves `branch` to `commit` (`git update-ref`; a checked-out copy is not updated). */
  moveBranch(root: string, branch: string, commit: string): void {
    const repo = this.mustRepo(root)
    if (!repo.commits.has(commit)) throw new Error(`fake git: unknown commit ${commit}`)
    repo.refs.set(`refs/heads/${branch}`, commit)
  }

  /** Driver: a commit on top of `branch` adding `files`, moving nothing (pair with {@link moveBranch}). */
  commitOnBranch(root: string, branch: string, message: string, files: Readonly<Record<string, string>>): string {
    const repo = this.mustRepo(root)
    const parent = repo.refs.get(`refs/heads/${branch}`)
    const tree = new Map([...this.treeOf(repo, parent), ...Object.entries(files)])
    return this.commit(repo, tree, parent === undefined ? [] : [parent], message)
  }

  /** Driver: `git checkout --detach` in a worktree. */
  detachHead(path: string): void {
    const { repo, wt } = this.must(path)
    wt.head = { detached: this.headOf(repo, wt)! }
  }

  /** Driver: `git worktree lock`. */
  lockWorktree(path: string): void {
    this.must(path).wt.locked = true
  }

  /** The repo rooted at `root`, if any. */
  repoAt(root: string): FakeRepo | undefined {
    return this.repos.get(nodePath.resolve(root))
  }

  /** A stable rendering of a worktree's files, index, HEAD and lock (to prove nothing changed). */
  fingerprint(path: string): string {
    const { repo, wt } = this.must(path)
    const sorted = (m: ReadonlyMap<string, string>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return JSON.stringify({
      files: sorted(wt.files),
      index: sorted(wt.index),
      head: wt.head,
      at: this.headOf(repo, wt),
      lock: wt.indexLock
    })
  }
}
