/**
 * The real-machine harness, part 5: fingerprints of what a read-only command or a dry run must leave
 * byte-identical (files, panes, worktrees, branches, refs).
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { batchPaths } from "../../../core/domain/Layout.ts"
import { git } from "./repo.ts"
import { paneList, sessionNames } from "./socket.ts"

/** sha256, mode and mtime of every entry under `dir` (directories: mode and mtime), sorted. */
export const treeFingerprint = (dir: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = nodePath.join(d, e.name)
      const st = fs.lstatSync(full)
      const rel = nodePath.relative(dir, full)
      if (e.isDirectory()) {
        out.push(`${rel}/ ${st.mode.toString(8)} ${st.mtimeMs}`)
        walk(full)
      } else {
        const hash = e.isFile() ? createHash("sha256").update(fs.readFileSync(full)).digest("hex") : "-"
        out.push(`${rel} ${hash} ${st.mode.toString(8)} ${st.mtimeMs}`)
      }
    }
  }
  walk(dir)
  return out.sort()
}

/** What a dry run must leave identical: panes, worktrees, refs, and every file under `.rekindle/`. */
export const worldFingerprint = (world: { readonly root: string; readonly socket: string }) => ({
  panes: paneList(world.socket),
  worktrees: git(world.root, "worktree", "list", "--porcelain"),
  refs: git(world.root, "for-each-ref", "--format=%(refname) %(objectname)"),
  files: treeFingerprint(nodePath.join(world.root, ".rekindle"))
})

/** What a read-only CLI command must leave identical: the batch files, sessions, worktrees, branches, rekindle refs. */
export const fingerprint = (b: { readonly repo: string; readonly batchId: string; readonly socket: string }) => {
  const p = batchPaths(b.repo, b.batchId)
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined)
  return {
    state: read(p.state),
    journal: read(p.journal),
    lease: read(p.lease),
    sessions: sessionNames(b.socket),
    worktrees: git(b.repo, "worktree", "list", "--porcelain"),
    branches: git(b.repo, "branch", "--list", "--format=%(refname)"),
    refs: git(b.repo, "for-each-ref", "refs/rekindle/")
  }
}
