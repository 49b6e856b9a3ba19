/**
 * Real world repair: an orphan session tagged `<batch>/ghost` and an orphan dirty worktree under
 * `.rekindle/worktrees/<batch>/ghost` are dealt with — the session stopped, the worktree snapshotted
 * under refs/rekindle/wip/ and then removed — while nothing rekindle does not own (a user session on
 * the same server, a user branch) and nothing the batch records is touched. A dry run changes
 * nothing at all: panes, worktrees, refs and every byte, mode and mtime under `.rekindle/`.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ownershipTag, worktreeFor } from "../../../core/domain/index.ts"
import { batchPaths } from "../../../core/domain/Layout.ts"
import { repair } from "../../../core/engine/usecases/Repair.ts"
import { resume } from "../../../core/engine/usecases/Resume.ts"
import { acquireLease } from "../../../core/engine/support/SupervisorLease.ts"
import { Tmux } from "../../../core/ports/Tmux.ts"
import { SLEEPER, startRealBatch } from "../../support/real/batch.ts"
import { pidAlive, pollUntil } from "../../support/real/poll.ts"
import { git } from "../../support/real/repo.ts"
import { paneList, sessionNames, tmux } from "../../support/real/socket.ts"
import { worldFingerprint } from "../../support/real/fingerprint.ts"
import { refsUnder } from "../../support/real/repo.ts"
import { REAL_TIMEOUT_MS, RealWorld } from "../../support/real/world.ts"

let world: RealWorld | undefined

afterEach(async () => {
  await world?.cleanup()
  world = undefined
})

const GHOST_SESSION = "rk-b1-ghost"

/** A running batch (a, b), a user session and branch, and the two orphans. */
const setUp = async (w: RealWorld) => {
  const state = await w.run(startRealBatch(w.root, w.batchId, [{ id: "a" }, { id: "b" }]))
  expect(tmux(w.socket, "new-session", "-d", "-s", "user-work", "--", ...SLEEPER).status).toBe(0)
  git(w.root, "branch", "feature/x")
  const ghost = await w.run(
    Effect.gen(function* () {
      return yield* (yield* Tmux).newSession({
        name: GHOST_SESSION,
        cwd: w.root,
        argv: SLEEPER,
        taskTag: ownershipTag(w.batchId, "ghost")
      })
    })
  )
  const ghostTree = worktreeFor(w.root, w.batchId, "ghost")
  git(w.root, "worktree", "add", "-q", "-b", `rekindle/${w.batchId}/ghost`, "--", ghostTree, "main")
  fs.writeFileSync(nodePath.join(ghostTree, "ghost-notes.txt"), "unsaved ghost work\n")
  return { state, ghostPid: ghost.panePid, ghostTree }
}

describe("repair on real tmux + git", () => {
  it(
    "stops the orphan session, snapshots then removes the orphan worktree, touches nothing else",
    async () => {
      const w = (world = new RealWorld())
      const { state, ghostPid, ghostTree } = await setUp(w)
      const panesBefore = paneList(w.socket)
      const refsBefore = git(w.root, "for-each-ref", "--format=%(refname) %(objectname)")

      const report = await w.run(repair(w.ref, { dryRun: false }))
      expect(report.orphans.map((o) => [o.kind, o.name]).sort()).toEqual([
        ["branch", `rekindle/${w.batchId}/ghost`],
        ["session", GHOST_SESSION],
        ["worktree", ghostTree]
      ])

      // The orphan session is gone (and its process with it); everything else is still there.
      expect(sessionNames(w.socket)).toEqual([state.tasks[0]!.session!, state.tasks[1]!.session!, "user-work"].sort())
      expect(paneList(w.socket)).toEqual(panesBefore.filter((l) => !l.startsWith(`${GHOST_SESSION} `)))
      await pollUntil("the ghost agent to die with its session", () => (pidAlive(ghostPid) ? undefined : true))
      for (const t of state.tasks) expect(pidAlive(t.agentProcess!.pid)).toBe(true)

      // The orphan worktree was snapshotted (untracked file included) and removed; the batch's stay.
      const listed = git(w.root, "worktree", "list", "--porcelain")
      expect(listed).not.toContain(ghostTree)
      for (const t of state.tasks) expect(listed).toContain(`worktree ${t.worktree}\n`)
      expect(fs.existsSync(ghostTree)).toBe(false)
      const wip = refsUnder(w.root, "refs/rekindle/wip/")
      expect(wip).toHaveLength(1)
      const snapRef = wip[0]!.split(" ")[0]!
      expect(git(w.root, "show", `${snapRef}:ghost-notes.txt`)).toBe("unsaved ghost work\n")

      // Refs: one added (the snapshot), the ghost's merged branch gone with its worktree; every other ref — user
      // branch included — unchanged.
      const refsAfter = git(w.root, "for-each-ref", "--format=%(refname) %(objectname)")
      expect(refsAfter.split("\n").filter((l) => !l.startsWith("refs/rekindle/wip/"))).toEqual(
        refsBefore.split("\n").filter((l) => !l.startsWith(`refs/heads/rekindle/${w.batchId}/ghost `))
      )
    },
    REAL_TIMEOUT_MS
  )

  it(
    "a dry run reports the orphans and changes nothing: panes, worktrees, refs, files under .rekindle/",
    async () => {
      const w = (world = new RealWorld())
      const { ghostTree } = await setUp(w)
      // A journal (from a resume) and a held lease, so every kind of file is there to be compared.
      await w.run(resume(w.ref, { supervise: false }))
      await w.run(acquireLease(batchPaths(w.root, w.batchId).lease))
      for (const f of ["state.json", "state.json.bak", "events.jsonl", "lease.json"]) {
        expect(fs.existsSync(nodePath.join(batchPaths(w.root, w.batchId).dir, f)), f).toBe(true)
      }
      const before = worldFingerprint(w)

      const report = await w.run(repair(w.ref, { dryRun: true }))
      expect(report.dryRun).toBe(true)
      expect(report.orphans.map((o) => [o.kind, o.name]).sort()).toEqual([
        ["branch", `rekindle/${w.batchId}/ghost`],
        ["session", GHOST_SESSION],
        ["worktree", ghostTree]
      ])
      expect(report.steps.map((s) => s._tag).sort()).toEqual([
        "DeleteBranch",
        "RemoveWorktree",
        "SnapshotOrphan",
        "StopSession"
      ])
      expect(report.removals).toBe(3)

      expect(worldFingerprint(w)).toEqual(before)
    },
    REAL_TIMEOUT_MS
  )
})
