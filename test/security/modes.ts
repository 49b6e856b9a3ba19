/**
 * File modes of what rekindle keeps under `<repo>/.rekindle/`: every file of a batch (state and its
 * backup, journal, lease, pane logs, the supervised sink, done markers, wrap-up requests) must be
 * 0600 and every directory 0700 — `.rekindle/worktrees/` and its per-batch directory included. The
 * task worktrees themselves are git checkouts of the user's files and keep git's modes.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"

/** What a walk of `.rekindle` found. */
export interface ModeReport {
  /** Files and directories whose mode was checked. */
  readonly checked: number
  /** `mode path` of each one that is not 0600 (file) / 0700 (directory). */
  readonly wrong: ReadonlyArray<string>
}

/** Check every entry under `<repo>/.rekindle` (a missing directory checks nothing). */
export const checkModes = (repo: string): ModeReport => {
  const root = nodePath.join(repo, ".rekindle")
  const wrong: Array<string> = []
  let checked = 0
  const visit = (p: string, depthInWorktrees: number | undefined) => {
    const st = fs.lstatSync(p)
    // .rekindle/worktrees (0) and .rekindle/worktrees/<batch> (1) are ours; <batch>/<task> is a checkout.
    if (depthInWorktrees !== undefined && depthInWorktrees >= 2) return
    checked++
    const mode = st.mode & 0o777
    const want = st.isDirectory() ? 0o700 : 0o600
    if (mode !== want) wrong.push(`${mode.toString(8)} ${nodePath.relative(repo, p)}`)
    if (!st.isDirectory()) return
    for (const name of fs.readdirSync(p)) {
      const child = nodePath.join(p, name)
      const inWorktrees =
        depthInWorktrees !== undefined ? depthInWorktrees + 1 : p === root && name === "worktrees" ? 0 : undefined
      visit(child, inWorktrees)
    }
  }
  if (fs.existsSync(root)) visit(root, undefined)
  return { checked, wrong }
}

/**
 * Run `fn` with the process umask set to `mask` (children inherit it: the supervisor, the tmux
 * server it starts, the agents), then restore the previous one.
 */
export const withUmask = async <A>(mask: number, fn: () => Promise<A>): Promise<A> => {
  const previous = process.umask(mask)
  try {
    return await fn()
  } finally {
    process.umask(previous)
  }
}
