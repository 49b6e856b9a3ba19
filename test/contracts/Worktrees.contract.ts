/**
 * Contract for the Worktrees port: the same assertions run against the fake (over GitWorld) and the
 * real adapter (over temp repos), which is what makes the fake trustworthy.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { GitError, Worktrees } from "../../core/ports/Worktrees.ts"
import { freshEach } from "./Fresh.ts"

/** What a contract run needs from the world under test. */
export interface WorktreesHarness {
  readonly port: Worktrees["Service"]
  /** A fresh repo with `files` committed on `main`, checked out; returns its root as git reports it. */
  readonly initRepo: (files: Readonly<Record<string, string>>) => Promise<string>
  /** A path where nothing exists yet, ending in `name` (which may be hostile). */
  readonly freshPath: (name: string) => string
  readonly writeFile: (wt: string, file: string, content: string) => Promise<void>
  readonly readFile: (wt: string, file: string) => Promise<string | undefined>
  /** What an agent does: write `files`, `git add -A`, `git commit`. Returns the new HEAD. */
  readonly commitIn: (wt: string, message: string, files: Readonly<Record<string, string>>) => Promise<string>
  /** Someone else moves `branch` to a new commit on top of it, touching no checkout. */
  readonly advanceBranch: (repo: string, branch: string) => Promise<string>
  readonly leaveIndexLock: (wt: string) => Promise<void>
  readonly lockWorktree: (wt: string) => Promise<void>
  readonly deleteDir: (wt: string) => Promise<void>
  /** The worktree directory stays, its `.git` goes. */
  readonly removeDotGit: (wt: string) => Promise<void>
  /** A non-empty directory that is not a worktree. */
  readonly makeDir: (path: string) => Promise<void>
  readonly detachHead: (wt: string) => Promise<void>
  /** Everything reading must not change: file bytes, index bytes, HEAD, lock, status. */
  readonly fingerprint: (wt: string) => Promise<string>
  /** The files of the commit `ref` names. */
  readonly refFiles: (repo: string, ref: string) => Promise<Readonly<Record<string, string>>>
  /** A port whose git calls in `repo` hang past a short timeout (real: a FIFO git blocks on). */
  readonly hangingPort: (repo: string) => Promise<Worktrees["Service"]>
  /** Temporary merge worktrees (directories or registrations) left behind. */
  readonly leftovers: (repo: string) => Promise<ReadonlyArray<string>>
  readonly cleanup: () => Promise<void>
}

const run = <A>(e: Effect.Effect<A, GitError>): Promise<A> => Effect.runPromise(e)
const fail = <A>(e: Effect.Effect<A, GitError>): Promise<GitError> => Effect.runPromise(Effect.flip(e))

/** Spaces, quotes, `$()`, `;`, `|`, tab, newline, unicode, a leading `-`: all legal in a path. */
export const HOSTILE = "-wt 'q' \"dq\" ünï €$(touch x);|\tt\nnl"

/** Register the contract tests for one implementation. */
export const worktreesContract = (name: string, makeHarness: () => Promise<WorktreesHarness>): void => {
  describe(`Worktrees contract: ${name}`, () => {
    const withHarness = freshEach(makeHarness)
    /** A repo plus one task worktree on branch `rekindle/b1/t1` at main. */
    const setup = async (h: WorktreesHarness, name = "t1") => {
      const repo = await h.initRepo({ "a.txt": "a\n", "dir/b.txt": "b\n" })
      const base = await run(h.port.revParse(repo, "main"))
      const branch = `rekindle/b1/${name}`
      const { path: wt } = await run(h.port.add(repo, { path: h.freshPath(name), branch, base: "main" }))
      return { repo, base, branch, wt }
    }
    const heads = async (h: WorktreesHarness, repo: string) =>
      (await run(h.port.listRefs(repo, "refs/heads/"))).map((r) => r.ref)

    it(
      "list parses the main worktree and one added at a hostile path",
      withHarness(async (h) => {
        const repo = await h.initRepo({ "a.txt": "a\n" })
        const base = await run(h.port.revParse(repo, "main"))
        const added = await run(h.port.add(repo, { path: h.freshPath(HOSTILE), branch: "rekindle/b1/t-1", base }))
        expect(added.head).toBe(base)
        const list = await run(h.port.list(repo))
        expect(list).toHaveLength(2)
        expect(list[0]).toEqual({
          path: repo,
          head: base,
          branch: "main",
          bare: false,
          detached: false,
          locked: false,
          prunable: false
        })
        expect(list.find((w) => w.path === added.path)).toEqual({
          path: added.path,
          head: base,
          branch: "rekindle/b1/t-1",
          bare: false,
          detached: false,
          locked: false,
          prunable: false
        })
        expect(added.path.endsWith(HOSTILE)).toBe(true)
        expect(await run(h.port.currentBranch(added.path))).toBe("rekindle/b1/t-1")
        expect(await run(h.port.status(added.path))).toEqual({ dirty: false, untracked: 0, changed: 0 })
      })
    )

    it(
      "list outside any repository fails NotARepo",
      withHarness(async (h) => {
        const plain = h.freshPath("plain")
        await h.makeDir(plain)
        expect((await fail(h.port.list(plain))).reason).toBe("NotARepo")
      })
    )

    it(
      "add refuses an existing branch, hostile names, a bad base and a taken path, leaving nothing",
      withHarness(async (h) => {
        const repo = await h.initRepo({ "a.txt": "a\n" })
        const before = await heads(h, repo)
        expect((await fail(h.port.add(repo, { path: h.freshPath("x1"), branch: "main", base: "main" }))).reason).toBe(
          "BranchExists"
        )
        expect((await fail(h.port.add(repo, { path: h.freshPath("x2"), branch: "-b", base: "main" }))).reason).toBe(
          "InvalidName"
        )
        expect((await fail(h.port.add(repo, { path: h.freshPath("x3"), branch: "a..b", base: "main" }))).reason).toBe(
          "InvalidName"
        )
        expect((await fail(h.port.add(repo, { path: h.freshPath("x4"), branch: "ok", base: "--orphan" }))).reason).toBe(
          "InvalidName"
        )
        expect(
          (await fail(h.port.add(repo, { path: h.freshPath("x5"), branch: "ok", base: "nosuchrev" }))).reason
        ).toBe("UnknownRev")
        expect((await fail(h.port.add(repo, { path: h.freshPath("x\0y"), branch: "ok", base: "main" }))).reason).toBe(
          "InvalidName"
        )
        const taken = h.freshPath("taken")
        await h.makeDir(taken)
        expect((await fail(h.port.add(repo, { path: taken, branch: "ok", base: "main" }))).reason).toBe("Failed")
        expect(await heads(h, repo)).toEqual(before)
        expect(await run(h.port.list(repo))).toHaveLength(1)
        expect(await run(h.port.branchExists(repo, "ok"))).toBe(false)
      })
    )

    it(
      "add at the path of a registered worktree whose directory is gone fails and leaves no branch",
      withHarness(async (h) => {
        const { repo, wt } = await setup(h)
        await h.deleteDir(wt)
        expect((await fail(h.port.add(repo, { path: wt, branch: "again", base: "main" }))).reason).toBe("Failed")
        expect(await run(h.port.branchExists(repo, "again"))).toBe(false)
        await run(h.port.prune(repo))
        expect((await run(h.port.add(repo, { path: wt, branch: "again", base: "main" }))).path).toBe(wt)
      })
    )

    it(
      "a git call that hangs fails Timeout",
      withHarness(async (h) => {
        const { repo } = await setup(h)
        const hanging = await h.hangingPort(repo)
        expect((await fail(hanging.status(repo))).reason).toBe("Timeout")
      })
    )

    it(
      "status tells clean, changed and untracked apart, and refuses a non-worktree",
      withHarness(async (h) => {
        const { wt } = await setup(h)
        expect(await run(h.port.status(wt))).toEqual({ dirty: false, untracked: 0, changed: 0 })
        await h.writeFile(wt, "a.txt", "changed\n")
        expect(await run(h.port.status(wt))).toEqual({ dirty: true, untracked: 0, changed: 1 })
        await h.writeFile(wt, "new dir/one.txt", "1")
        await h.writeFile(wt, "new dir/two.txt", "2")
        expect(await run(h.port.status(wt))).toEqual({ dirty: true, untracked: 2, changed: 1 })
        expect((await fail(h.port.status(h.freshPath("nowhere")))).reason).toBe("NotARepo")
        await h.removeDotGit(wt)
        expect((await fail(h.port.status(wt))).reason).toBe("NotARepo")
      })
    )

    it(
      "pathStates: present, missing, corrupt — without spawning git",
      withHarness(async (h) => {
        const { repo, wt } = await setup(h)
        const plain = h.freshPath("plain")
        await h.makeDir(plain)
        const nowhere = h.freshPath("nowhere")
        expect(await run(h.port.pathStates([repo, wt, plain, nowhere]))).toEqual({
          [repo]: "present",
          [wt]: "present",
          [plain]: "corrupt",
          [nowhere]: "missing"
        })
        await h.removeDotGit(wt)
        expect((await run(h.port.pathStates([wt])))[wt]).toBe("corrupt")
      })
    )

    it(
      "snapshotWip commits the whole tree, untracked included, leaving the worktree byte-identical",
      withHarness(async (h) => {
        const { repo, base, wt } = await setup(h)
        await h.writeFile(wt, "a.txt", "edited\n")
        await h.writeFile(wt, "sub dir/untracked 'f'.txt", "new\n")
        const before = await h.fingerprint(wt)
        const status = await run(h.port.status(wt))
        const snap = await run(h.port.snapshotWip(wt, { task: "t1", label: "before restart" }))
        expect(snap.ref).toBe("refs/rekindle/wip/t1/1")
        expect(await h.fingerprint(wt)).toBe(before)
        expect(await run(h.port.status(wt))).toEqual(status)
        expect(await h.refFiles(repo, snap.ref)).toEqual({
          "a.txt": "edited\n",
          "dir/b.txt": "b\n",
          "sub dir/untracked 'f'.txt": "new\n"
        })
        expect(await run(h.port.isAncestor(repo, base, snap.commit))).toBe(true)
        const second = await run(h.port.snapshotWip(wt, { task: "t1" }))
        expect(second.ref).toBe("refs/rekindle/wip/t1/2")
        expect(await run(h.port.listRefs(repo, "refs/rekindle/"))).toEqual([snap, second])
        expect((await fail(h.port.snapshotWip(wt, { task: "-t1" }))).reason).toBe("InvalidName")
        expect((await fail(h.port.snapshotWip(h.freshPath("nowhere"), { task: "t1" }))).reason).toBe("NotARepo")
      })
    )

    it(
      "snapshotWip is not stopped by a leftover index.lock and leaves it in place",
      withHarness(async (h) => {
        const { repo, wt } = await setup(h)
        await h.writeFile(wt, "u.txt", "u")
        await h.leaveIndexLock(wt)
        const before = await h.fingerprint(wt)
        const snap = await run(h.port.snapshotWip(wt, { task: "t1" }))
        expect(await h.fingerprint(wt)).toBe(before)
        expect((await h.refFiles(repo, snap.ref))["u.txt"]).toBe("u")
      })
    )

    it(
      "remove refuses a dirty worktree without a snapshot that holds its current state",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        await h.writeFile(wt, "work.txt", "precious")
        expect((await fail(h.port.remove(repo, wt))).reason).toBe("Dirty")
        const stale = await run(h.port.snapshotWip(wt, { task: "t1" }))
        await h.writeFile(wt, "later.txt", "more")
        expect((await fail(h.port.remove(repo, wt, { snapshotRef: stale.ref }))).reason).toBe("Dirty")
        expect((await fail(h.port.remove(repo, wt, { snapshotRef: "refs/rekindle/wip/t1/9" }))).reason).toBe(
          "UnknownRev"
        )
        expect(await h.readFile(wt, "work.txt")).toBe("precious")
        const snap = await run(h.port.snapshotWip(wt, { task: "t1" }))
        await run(h.port.remove(repo, wt, { snapshotRef: snap.ref }))
        expect((await run(h.port.pathStates([wt])))[wt]).toBe("missing")
        expect((await run(h.port.list(repo))).map((w) => w.path)).toEqual([repo])
        expect(await run(h.port.branchExists(repo, branch))).toBe(true)
      })
    )

    it(
      "remove refuses an unmerged worktree until its work is merged",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        await h.commitIn(wt, "work", { "t1.txt": "done\n" })
        expect((await fail(h.port.remove(repo, wt))).reason).toBe("Unmerged")
        await run(h.port.mergeInto(repo, { source: branch, target: "main", message: "merge t1" }))
        await run(h.port.remove(repo, wt))
        expect(await run(h.port.list(repo))).toHaveLength(1)
      })
    )

    it(
      "remove: Locked on index.lock or worktree lock, NotAWorktree for others, unregisters a deleted dir",
      withHarness(async (h) => {
        const { repo, wt } = await setup(h)
        await h.leaveIndexLock(wt)
        const locked = await fail(h.port.remove(repo, wt))
        expect(locked.reason).toBe("Locked")
        expect(locked.message).toContain("index.lock")
        expect((await fail(h.port.remove(repo, repo))).reason).toBe("NotAWorktree")
        expect((await fail(h.port.remove(repo, h.freshPath("nowhere")))).reason).toBe("NotAWorktree")
        const other = (await run(h.port.add(repo, { path: h.freshPath("t2"), branch: "rekindle/b1/t2", base: "main" })))
          .path
        await h.lockWorktree(other)
        expect((await fail(h.port.remove(repo, other))).reason).toBe("Locked")
        const third = (await run(h.port.add(repo, { path: h.freshPath("t3"), branch: "rekindle/b1/t3", base: "main" })))
          .path
        await h.deleteDir(third)
        await run(h.port.remove(repo, third))
        expect((await run(h.port.list(repo))).map((w) => w.path)).not.toContain(third)
        await h.removeDotGit(wt)
        expect((await fail(h.port.remove(repo, wt))).reason).toBe("NotARepo")
      })
    )

    it(
      "prune forgets a worktree whose directory is gone",
      withHarness(async (h) => {
        const { repo, wt } = await setup(h)
        await h.deleteDir(wt)
        expect((await run(h.port.list(repo))).find((w) => w.path === wt)?.prunable).toBe(true)
        expect((await run(h.port.pathStates([wt])))[wt]).toBe("missing")
        expect((await fail(h.port.status(wt))).reason).toBe("NotARepo")
        await run(h.port.prune(repo))
        expect((await run(h.port.list(repo))).map((w) => w.path)).toEqual([repo])
      })
    )

    /** A repo, a finished task branch, and an integration branch checked out nowhere. */
    const mergeSetup = async (h: WorktreesHarness) => {
      const s = await setup(h)
      await h.commitIn(s.wt, "t1 work", { "t1.txt": "t1\n" })
      const parked = h.freshPath("integ")
      await run(h.port.add(s.repo, { path: parked, branch: "integ", base: "main" }))
      await run(h.port.remove(s.repo, parked))
      return { ...s, refs: await heads(h, s.repo) }
    }

    it(
      "mergeInto a branch checked out nowhere: merge commit, ref advanced, nothing left behind",
      withHarness(async (h) => {
        const { repo, base, branch, refs } = await mergeSetup(h)
        const task = await run(h.port.revParse(repo, branch))
        const { commit } = await run(h.port.mergeInto(repo, { source: branch, target: "integ", message: "merge t1" }))
        expect(await run(h.port.revParse(repo, "integ"))).toBe(commit)
        expect(await run(h.port.isAncestor(repo, task, commit))).toBe(true)
        expect(await run(h.port.isAncestor(repo, base, commit))).toBe(true)
        expect(commit).not.toBe(task)
        expect(await h.refFiles(repo, "integ")).toEqual({ "a.txt": "a\n", "dir/b.txt": "b\n", "t1.txt": "t1\n" })
        expect(await h.leftovers(repo)).toEqual([])
        expect(await run(h.port.list(repo))).toHaveLength(2)
        expect(await heads(h, repo)).toEqual(refs)
        expect(await run(h.port.mergeInto(repo, { source: branch, target: "integ", message: "again" }))).toEqual({
          commit
        })
      })
    )

    it(
      "mergeInto refuses with TargetMoved when the target moves before it advances",
      withHarness(async (h) => {
        const { repo, branch, refs } = await mergeSetup(h)
        let moved = ""
        const beforeAdvance = Effect.promise(async () => {
          moved = await h.advanceBranch(repo, "integ")
        })
        const err = await fail(h.port.mergeInto(repo, { source: branch, target: "integ", message: "m", beforeAdvance }))
        expect(err.reason).toBe("TargetMoved")
        expect(await run(h.port.revParse(repo, "integ"))).toBe(moved)
        expect(await h.leftovers(repo)).toEqual([])
        expect(await heads(h, repo)).toEqual(refs)
      })
    )

    it(
      "mergeInto reports a conflict with its paths and leaves everything as it was",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        await h.commitIn(wt, "t1 edits a", { "a.txt": "from t1\n" })
        const mainTip = await h.commitIn(repo, "main edits a", { "a.txt": "from main\n" })
        const refs = await heads(h, repo)
        const before = await h.fingerprint(repo)
        const err = await fail(h.port.mergeInto(repo, { source: branch, target: "main", message: "m" }))
        expect(err.reason).toBe("Conflict")
        expect(err.paths).toEqual(["a.txt"])
        expect(await run(h.port.revParse(repo, "main"))).toBe(mainTip)
        expect(await h.fingerprint(repo)).toBe(before)
        expect(await h.leftovers(repo)).toEqual([])
        expect(await run(h.port.list(repo))).toHaveLength(2)
        expect(await heads(h, repo)).toEqual(refs)
      })
    )

    it(
      "mergeInto a checked-out target fast-forwards that worktree, keeping unrelated local changes",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        await h.commitIn(wt, "t1 work", { "t1.txt": "t1\n" })
        await h.writeFile(repo, "notes.txt", "mine")
        const { commit } = await run(h.port.mergeInto(repo, { source: branch, target: "main", message: "merge t1" }))
        expect(await run(h.port.revParse(repo, "main"))).toBe(commit)
        expect(await run(h.port.currentBranch(repo))).toBe("main")
        expect(await h.readFile(repo, "t1.txt")).toBe("t1\n")
        expect(await h.readFile(repo, "notes.txt")).toBe("mine")
        expect(await run(h.port.status(repo))).toEqual({ dirty: true, untracked: 1, changed: 0 })
        expect(await h.leftovers(repo)).toEqual([])
      })
    )

    it(
      "mergeInto a checked-out target: TargetMoved, Locked and Dirty leave the target alone",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        await h.commitIn(wt, "t1 work", { "t1.txt": "t1\n" })
        let moved = ""
        const beforeAdvance = Effect.promise(async () => {
          moved = await h.commitIn(repo, "concurrent", { "c.txt": "c\n" })
        })
        expect(
          (await fail(h.port.mergeInto(repo, { source: branch, target: "main", message: "m", beforeAdvance }))).reason
        ).toBe("TargetMoved")
        expect(await run(h.port.revParse(repo, "main"))).toBe(moved)
        await h.writeFile(repo, "t1.txt", "local clash\n")
        expect((await fail(h.port.mergeInto(repo, { source: branch, target: "main", message: "m" }))).reason).toBe(
          "Dirty"
        )
        expect(await h.readFile(repo, "t1.txt")).toBe("local clash\n")
        await h.leaveIndexLock(repo)
        expect((await fail(h.port.mergeInto(repo, { source: branch, target: "main", message: "m" }))).reason).toBe(
          "Locked"
        )
        expect(await run(h.port.revParse(repo, "main"))).toBe(moved)
        expect(await h.leftovers(repo)).toEqual([])
      })
    )

    it(
      "currentBranch fails DetachedHead on a detached HEAD",
      withHarness(async (h) => {
        const { repo, wt } = await setup(h)
        expect(await run(h.port.currentBranch(repo))).toBe("main")
        await h.detachHead(wt)
        expect((await fail(h.port.currentBranch(wt))).reason).toBe("DetachedHead")
        expect((await run(h.port.list(repo))).find((w) => w.path === wt)).toMatchObject({ detached: true })
      })
    )

    it(
      "deleteBranch refuses unmerged, checked-out and missing branches; deletes a merged one",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        await h.commitIn(wt, "t1 work", { "t1.txt": "t1\n" })
        expect((await fail(h.port.deleteBranch(repo, branch, { mergedInto: "main" }))).reason).toBe("CheckedOut")
        await h.detachHead(wt)
        expect((await fail(h.port.deleteBranch(repo, branch, { mergedInto: "main" }))).reason).toBe("Unmerged")
        expect((await fail(h.port.deleteBranch(repo, "nope", { mergedInto: "main" }))).reason).toBe("BranchMissing")
        expect((await fail(h.port.deleteBranch(repo, "-D", { mergedInto: "main" }))).reason).toBe("InvalidName")
        await run(h.port.mergeInto(repo, { source: branch, target: "main", message: "merge" }))
        await run(h.port.deleteBranch(repo, branch, { mergedInto: "main" }))
        expect(await run(h.port.branchExists(repo, branch))).toBe(false)
      })
    )

    it(
      "checkout makes a worktree ON an existing branch (its commits kept); refuses a missing or checked-out branch",
      withHarness(async (h) => {
        const { repo, branch, wt } = await setup(h)
        const tip = await h.commitIn(wt, "host work", { "host.txt": "host\n" })
        expect((await fail(h.port.checkout(repo, { path: h.freshPath("again"), branch }))).reason).toBe("CheckedOut")
        await h.detachHead(wt)
        const made = await run(h.port.checkout(repo, { path: h.freshPath("second"), branch }))
        expect(made.head).toBe(tip)
        expect(await h.readFile(made.path, "host.txt")).toBe("host\n")
        expect(await run(h.port.revParse(repo, branch)), "the branch did not move").toBe(tip)
        const missing = await fail(h.port.checkout(repo, { path: h.freshPath("third"), branch: "host/none" }))
        expect(missing.reason).toBe("BranchMissing")
        expect((await run(h.port.list(repo))).map((w) => w.path)).not.toContain(h.freshPath("third"))
      })
    )

    it(
      "revParse, isAncestor and listRefs validate what they pass to git",
      withHarness(async (h) => {
        const { repo, base, branch } = await setup(h)
        expect(await run(h.port.revParse(repo, branch))).toBe(base)
        expect(await run(h.port.revParse(repo, "HEAD"))).toBe(base)
        expect((await fail(h.port.revParse(repo, "nosuch"))).reason).toBe("UnknownRev")
        expect((await fail(h.port.revParse(repo, "--all"))).reason).toBe("InvalidName")
        expect(await run(h.port.isAncestor(repo, base, branch))).toBe(true)
        expect((await fail(h.port.isAncestor(repo, base, "nosuch"))).reason).toBe("UnknownRev")
        expect((await fail(h.port.listRefs(repo, "refs/*"))).reason).toBe("InvalidName")
        expect((await fail(h.port.mergeInto(repo, { source: branch, target: "main", message: "a\0b" }))).reason).toBe(
          "InvalidName"
        )
        expect((await fail(h.port.mergeInto(repo, { source: "nope", target: "main", message: "m" }))).reason).toBe(
          "BranchMissing"
        )
        expect((await fail(h.port.mergeInto(repo, { source: branch, target: "--all", message: "m" }))).reason).toBe(
          "InvalidName"
        )
        expect((await run(h.port.listRefs(repo, "refs/heads/rekindle/"))).map((r) => r.ref)).toEqual([
          `refs/heads/${branch}`
        ])
      })
    )
  })
}
