/**
 * The facade's `clean` on real tmux + git (private socket, temp repo): the preview (`dryRun: true`)
 * changes nothing — panes, worktrees, refs and every byte under `.rekindle/` — and the clean then
 * stops the batch's sessions (its agents gone from /proc), snapshots and removes its worktrees,
 * deletes the merged branch, keeps the unmerged one and everything rekindle does not own (a user
 * session on the same server, a user branch), and archives the state: `list()` no longer shows it.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { worktreeFor } from "../../../core/domain/index.ts"
import { createRekindle } from "../../../adapters/facade.ts"
import { SLEEPER, startRealBatch } from "../../support/real/batch.ts"
import { pidAlive, until } from "../../support/real/poll.ts"
import { git, refsUnder } from "../../support/real/repo.ts"
import { paneList, sessionNames, tmux } from "../../support/real/socket.ts"
import { worldFingerprint } from "../../support/real/fingerprint.ts"
import { REAL_TIMEOUT_MS, RealWorld } from "../../support/real/world.ts"

let world: RealWorld | undefined

afterEach(async () => {
  await world?.cleanup()
  world = undefined
})

const branches = (root: string): ReadonlyArray<string> =>
  git(root, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
    .split("\n")
    .filter((l) => l !== "")
    .sort()

describe("facade clean on real tmux + git", () => {
  it(
    "the preview changes nothing; clean stops, snapshots, removes and archives only what is the batch's",
    async () => {
      const w = (world = new RealWorld())
      const state = await w.run(startRealBatch(w.root, w.batchId, [{ id: "a" }, { id: "b" }]))
      const agents = state.tasks.map((t) => t.agentProcess?.pid).filter((p): p is number => p !== undefined)
      expect(agents).toHaveLength(2)
      expect(tmux(w.socket, "new-session", "-d", "-s", "user-work", "--", ...SLEEPER).status).toBe(0)
      git(w.root, "branch", "feature/x")
      const b = worktreeFor(w.root, w.batchId, "b")
      fs.writeFileSync(nodePath.join(b, "b.txt"), "b's work\n")
      git(b, "add", "-A")
      git(b, "commit", "-q", "-m", "b's work") // b's branch now carries work main does not have
      fs.writeFileSync(nodePath.join(b, "notes.txt"), "unsaved\n") // and its worktree is dirty

      await using rk = createRekindle({ repo: w.root, tmuxSocket: w.socket })
      expect((await rk.list()).batches.map((x) => x.batchId)).toEqual([w.batchId])
      const before = worldFingerprint(w)
      const preview = await rk.clean({ dryRun: true })
      expect(preview.steps.length).toBeGreaterThan(0)
      expect(worldFingerprint(w)).toEqual(before)

      const done = await rk.clean({ dryRun: false })
      expect(done.archivedTo).toBeDefined()
      expect(fs.existsSync(done.archivedTo!)).toBe(true)
      expect(sessionNames(w.socket)).toEqual(["user-work"])
      expect(paneList(w.socket)).toHaveLength(1)
      await until("the batch's agents exited", 30_000, () => agents.every((pid) => !pidAlive(pid)))
      expect(fs.existsSync(worktreeFor(w.root, w.batchId, "a"))).toBe(false)
      expect(fs.existsSync(b)).toBe(false)
      expect(branches(w.root)).toEqual(["feature/x", "main", `rekindle/${w.batchId}/b`])
      expect(refsUnder(w.root, `refs/rekindle/wip/b/`)).toHaveLength(1) // the dirty work, snapshotted first
      expect((await rk.list()).batches).toEqual([])
    },
    REAL_TIMEOUT_MS
  )
})
