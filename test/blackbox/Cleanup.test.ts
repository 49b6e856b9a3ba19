/**
 * Scenario 5 — what a finished batch leaves behind. README: "A clean batch ends `completed` with
 * merged worktrees, branches and task sessions removed"; "After each wave every lane whose tasks all
 * succeeded is merged into the base branch". That must hold when the batch was completed by
 * `resume` after a late SIGKILL too. `repair` must not claim removals of things that are not there,
 * and `repair --all` ("resources of batches whose state is gone") must really remove what it says.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, test } from "vitest"
import { FULL, type World, alive, isRecord, parseJson, sleep, waitFor, withWorld } from "./cli.ts"

const TASKS = ["t1", "t2", "t3"]
const KILL_DELAYS_MS = FULL ? [0, 150, 400, 800] : [0]

/** Leftovers of a batch in the world: its panes/sessions, extra worktrees, its branches. */
const leftovers = (
  w: World,
  batchId: string
): { sessions: Array<string>; worktrees: Array<string>; branches: Array<string> } => ({
  sessions: [
    ...new Set(
      w
        .panes()
        .filter((p) => p.tag.startsWith(`${batchId}/`) || p.session.startsWith(`rk-${batchId}`))
        .map((p) => p.session)
    )
  ],
  worktrees: w.worktrees().filter((p) => fs.realpathSync(p) !== fs.realpathSync(w.repo)),
  branches: w.branches(`refs/heads/rekindle/${batchId}/`)
})

interface Claim {
  readonly tag: string
  readonly target: string
}

/** The removals a `repair --json` document claims (top-level steps and every orphan's steps). */
const claimedRemovals = (doc: unknown): Array<Claim> => {
  if (!isRecord(doc)) return []
  const steps: Array<unknown> = []
  if (Array.isArray(doc["steps"])) steps.push(...(doc["steps"] as Array<unknown>))
  if (Array.isArray(doc["orphans"])) {
    for (const o of doc["orphans"] as Array<unknown>)
      if (isRecord(o) && Array.isArray(o["steps"])) steps.push(...(o["steps"] as Array<unknown>))
  }
  const out = new Map<string, Claim>()
  for (const s of steps) {
    if (!isRecord(s)) continue
    const tag = s["_tag"]
    const target =
      tag === "StopSession"
        ? s["session"]
        : tag === "RemoveWorktree"
          ? s["path"]
          : tag === "DeleteBranch"
            ? s["branch"]
            : undefined
    if (typeof tag === "string" && typeof target === "string") out.set(`${tag}:${target}`, { tag, target })
  }
  return [...out.values()]
}

const sameFile = (a: string, b: string): boolean => path.resolve(a) === path.resolve(b)

describe("black-box: nothing left behind", () => {
  for (const delay of KILL_DELAYS_MS) {
    test(
      `regression: a batch completed by resume leaves nothing behind — supervisor killed ${delay} ms after the last done marker`,
      { timeout: 120_000 },
      () =>
        withWorld("late-kill", async (w) => {
          const manifest = w.manifest(
            "late.json",
            TASKS.map((id, i) => ({ id, a: 6 + 4 * i, b: 0.1 })),
            { maxLanes: TASKS.length }
          )
          const run = await w.runDetached(manifest)
          expect(run.result.code, "run --detached exits 0").toBe(0)
          const batchId = run.batchId
          if (batchId === undefined) throw new Error("run --detached --json printed no batchId")

          // late in the batch: every agent wrote its done marker (README: state-dir marker by default)
          await waitFor(
            "every done marker exists",
            () =>
              TASKS.every((t) => fs.existsSync(w.doneMarker(batchId, t)) || w.count("done", t) >= 1) ? true : undefined,
            60_000,
            20
          )
          if (delay > 0) await sleep(delay)
          const pid = w.leasePid(batchId) ?? run.pid
          if (pid !== undefined && alive(pid)) await w.killSupervisor(batchId, pid)
          else w.note("the supervisor had already finished before the kill")

          const resumed = await w.cli(["resume"], 60_000)
          expect(resumed.timedOut, "resume finished in time").toBe(false)
          w.note(`resume → ${resumed.code}`)

          // the work is on the base branch, each agent ran once
          const files = w.filesOn("main")
          for (const t of TASKS) {
            expect(w.count("start", t), `${t}'s agent started once`).toBe(1)
            expect(files, `${t}'s work merged into main`).toContain(`out---${t}.txt`)
          }
          // and nothing of the batch is left
          const left = leftovers(w, batchId)
          expect(left.sessions, "no task session of the batch remains").toEqual([])
          expect(left.worktrees, "git worktree list shows only the main worktree").toEqual([])
          expect(left.branches, "no rekindle/<batch>/* branch remains").toEqual([])
        })
    )
  }

  test(
    "regression: a batch completed by resume leaves nothing behind — repair after a clean batch claims nothing",
    { timeout: 120_000 },
    () =>
      withWorld("repair-clean", async (w) => {
        const manifest = w.manifest(
          "clean.json",
          TASKS.map((id) => ({ id, a: 3, b: 0.05 }))
        )
        const run = await w.cli(["run", manifest, "--json"], 60_000)
        expect(run.code, "the batch completed").toBe(0)
        const batchId = w.batchIds()[0]
        if (batchId === undefined) throw new Error("no batch directory")
        const before = leftovers(w, batchId)
        expect(before, "a completed batch left nothing").toEqual({ sessions: [], worktrees: [], branches: [] })

        for (const args of [
          ["repair", "--yes", "--json"],
          ["repair", "--all", "--yes", "--json"]
        ]) {
          const r = await w.cli(args, 30_000)
          expect(r.code, `${args.join(" ")} exits 0`).toBe(0)
          const doc = parseJson(r.stdout)
          const claims = claimedRemovals(doc)
          expect(claims, `${args.join(" ")} claims no removal: nothing is there`).toEqual([])
          if (isRecord(doc) && typeof doc["removals"] === "number")
            expect(doc["removals"], `${args.join(" ")} counts 0 removals`).toBe(0)
        }
      })
  )

  test(
    "regression: a batch completed by resume leaves nothing behind — repair --all removes the worktrees of a deleted batch state",
    { timeout: 120_000 },
    () =>
      withWorld("repair-orphans", async (w) => {
        // a failed task keeps its worktree (README: "a lane with a failed task is not merged and its worktree is kept")
        const manifest = w.manifest("orphan.json", [
          { id: "ok", a: 3, b: 0.05 },
          { id: "bad", mode: "fail", a: 3, b: 0.3 }
        ])
        const run = await w.cli(["run", manifest, "--json"], 60_000)
        expect(run.timedOut).toBe(false)
        const batchId = w.batchIds()[0]
        if (batchId === undefined) throw new Error("no batch directory")
        const kept = leftovers(w, batchId)
        w.note(`before deleting the state: ${JSON.stringify(kept)}`)
        expect(kept.worktrees.length, "the failed task's worktree is kept").toBeGreaterThanOrEqual(1)

        // the user deletes the batch's state by hand
        fs.rmSync(w.stateDir(batchId), { recursive: true, force: true })

        // With the state gone nothing records the batch's private server: README, "repair" — pass --socket.
        const r = await w.cli(["repair", "--all", "--yes", "--json", "--socket", w.socket], 60_000)
        expect(r.timedOut).toBe(false)
        expect(r.code, "repair --all --yes exits 0").toBe(0)
        const claims = claimedRemovals(parseJson(r.stdout))
        w.note(`claims: ${JSON.stringify(claims)}`)
        const after = leftovers(w, batchId)
        const worktreesNow = w.worktrees()
        for (const c of claims) {
          if (c.tag === "RemoveWorktree") {
            expect(
              worktreesNow.some((p) => sameFile(p, c.target)),
              `claimed-removed worktree ${c.target} is gone from git worktree list`
            ).toBe(false)
            expect(fs.existsSync(c.target), `claimed-removed worktree directory ${c.target} is gone`).toBe(false)
          } else if (c.tag === "StopSession") {
            expect(
              w.tmux(["has-session", "-t", `=${c.target}`]).code,
              `claimed-stopped session ${c.target} is gone`
            ).not.toBe(0)
          } else if (c.tag === "DeleteBranch") {
            expect(
              w.branches(c.target.startsWith("refs/") ? c.target : `refs/heads/${c.target}`),
              `claimed-deleted branch ${c.target} is gone`
            ).toEqual([])
          }
        }
        // README: orphan worktrees and sessions are snapshotted, then cleaned up (an unmerged branch is only reported)
        expect(after.worktrees, "no orphan worktree of the deleted batch remains").toEqual([])
        expect(after.sessions, "no orphan session of the deleted batch remains").toEqual([])
      })
  )
})
