/**
 * Work a user would hate to lose, planted in a task's worktree while its agent runs (one commit on
 * the task branch and one uncommitted file), and the check that it survived a fault: each piece is
 * kept if it is still in the worktree or in some ref's tree (the task branch, the base branch, a
 * `refs/rekindle/wip/…` snapshot). Content is unique per plant, so a stale copy cannot pass for it.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { E2E } from "../../../test/support/real/e2e.ts"
import { git } from "../../../test/support/real/repo.ts"

/** What was planted in one task's worktree. */
export interface Planted {
  readonly task: string
  readonly worktree: string
  /** The commit made on the task branch. */
  readonly commit: string
  readonly files: ReadonlyArray<{ readonly name: string; readonly content: string; readonly committed: boolean }>
}

/** Commit `<task>-committed.txt` and leave `<task>-wip.txt` uncommitted in `taskId`'s worktree. */
export const plantWork = (e: E2E, taskId: string): Planted => {
  const worktree = e.taskState(taskId).worktree!
  const token = Math.random().toString(36).slice(2, 10)
  const committed = {
    name: `${taskId}-committed.txt`,
    content: `${taskId}: committed before the fault ${token}\n`,
    committed: true
  }
  const wip = { name: `${taskId}-wip.txt`, content: `${taskId}: uncommitted work ${token}\n`, committed: false }
  fs.writeFileSync(nodePath.join(worktree, committed.name), committed.content)
  // The agent runs meanwhile and commits its own work: its git may hold the worktree's index.lock, or its commit
  // may take the staged file along. Try again until the file is in a commit of the task branch.
  for (let attempt = 1; ; attempt++) {
    try {
      git(worktree, "add", "--", committed.name)
      git(worktree, "commit", "-q", "-m", `${taskId}: work in progress`)
      break
    } catch (e) {
      if (inRef(worktree, "HEAD", committed.name) === committed.content) break
      if (attempt >= 40) throw e
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
    }
  }
  fs.writeFileSync(nodePath.join(worktree, wip.name), wip.content)
  return { task: taskId, worktree, commit: git(worktree, "rev-parse", "HEAD").trim(), files: [committed, wip] }
}

const refs = (repo: string): ReadonlyArray<string> =>
  git(repo, "for-each-ref", "--format=%(refname)")
    .split("\n")
    .filter((r) => r !== "")

const inRef = (repo: string, ref: string, name: string): string | undefined => {
  try {
    return git(repo, "show", `${ref}:${name}`)
  } catch {
    return undefined
  }
}

/**
 * How many planted pieces are gone: a file neither in the worktree nor in any ref, or a commit no
 * ref contains. `userDestroyed` leaves out what the user deleted by hand (rm -rf of the worktree
 * takes its uncommitted file; deleting the branch takes the commit's ref).
 */
export const lostOf = (
  repo: string,
  p: Planted,
  userDestroyed: { readonly worktree?: boolean; readonly branch?: boolean } = {}
): { readonly lost: number; readonly what: ReadonlyArray<string> } => {
  const what: Array<string> = []
  const all = refs(repo)
  for (const f of p.files) {
    if (!f.committed && userDestroyed.worktree === true) continue
    const onDisk = (() => {
      try {
        return fs.readFileSync(nodePath.join(p.worktree, f.name), "utf8")
      } catch {
        return undefined
      }
    })()
    if (onDisk === f.content) continue
    if (all.some((r) => inRef(repo, r, f.name) === f.content)) continue
    what.push(`${p.task}: ${f.name}`)
  }
  if (userDestroyed.branch !== true) {
    const containing = git(repo, "for-each-ref", "--contains", p.commit, "--format=%(refname)").trim()
    if (containing === "") what.push(`${p.task}: commit ${p.commit.slice(0, 12)}`)
  }
  return { lost: what.length, what }
}

/** Agent starts beyond what the case allows (`allowed[task]`, default 1). */
export const extraStarts = (
  e: E2E,
  allowed: Readonly<Record<string, number>> = {}
): { readonly twice: number; readonly starts: string } => {
  const per = new Map<string, number>()
  // Fixture agents may log more than their start (marker-agent: `marker`, `exit`): count starts only.
  for (const r of e.runs() as ReadonlyArray<{ readonly task: string; readonly event?: string }>) {
    if ((r.event ?? "start") === "start") per.set(r.task, (per.get(r.task) ?? 0) + 1)
  }
  let twice = 0
  for (const [task, n] of per) twice += Math.max(0, n - (allowed[task] ?? 1))
  return {
    twice,
    starts: [...per.entries()]
      .sort()
      .map(([t, n]) => `${t}×${n}`)
      .join(" ")
  }
}
