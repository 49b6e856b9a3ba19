/**
 * Scenario 4 — two batches on one tmux server the same day, with the same task ids. README: task
 * sessions are `rk-<batch>-<task>` and batches are told apart by id, so two batches (ids generated
 * the same day) must not collide; `run --detached` "return[s] once it runs" — a 0 exit means its
 * tasks really start. Re-running the SAME manifest while its batch is unfinished must not break that
 * batch, and (no documented "new batch on purpose" flag exists) should be refused with a hint to
 * resume.
 */
import { describe, expect, test } from "vitest"
import { FULL, type World, alive, waitFor, withWorld } from "./cli.ts"

const REPEAT = FULL ? 5 : 1
const LINES = FULL ? 40 : 25

/** Wait until the batch's supervisor process is gone (the batch ended or the supervisor died). */
const waitSupervisorExit = (_w: World, pid: number | undefined, timeoutMs: number): Promise<true> =>
  pid === undefined
    ? Promise.resolve(true)
    : waitFor(`supervisor ${pid} exits`, () => (alive(pid) ? undefined : true), timeoutMs, 200)

describe("black-box: two batches on one server", () => {
  for (let round = 1; round <= REPEAT; round++) {
    const suffix = REPEAT > 1 ? ` (round ${round})` : ""

    test(`regression: two batches on one server the same day both run${suffix}`, { timeout: 120_000 }, () =>
      withWorld("two-batches", async (w) => {
        const a = w.manifest("a.json", [
          { id: "slow", label: "A", a: LINES, b: 0.1 },
          { id: "other", label: "A", a: 3, b: 0.1 }
        ])
        const b = w.manifest("b.json", [
          { id: "slow", label: "B", a: LINES, b: 0.1 },
          { id: "other", label: "B", a: 3, b: 0.1 }
        ])

        const runA = await w.runDetached(a)
        expect(runA.result.code, "run a.json --detached exits 0").toBe(0)
        await waitFor(
          "batch A's slow agent started",
          () => (w.count("start", "slow", "A") >= 1 ? true : undefined),
          30_000
        )

        const runB = await w.runDetached(b)
        expect(runB.result.code, "run b.json --detached exits 0 (another manifest is another batch)").toBe(0)
        expect(runB.batchId, "the two batches have distinct ids").not.toBe(runA.batchId)
        // a 0 exit means its batch runs: B's agents must actually start
        await waitFor(
          "batch B's slow agent started",
          () => (w.count("start", "slow", "B") >= 1 ? true : undefined),
          30_000
        )

        await waitSupervisorExit(w, runA.pid, 60_000)
        await waitSupervisorExit(w, runB.pid, 60_000)
        const files = w.filesOn("main")
        for (const label of ["A", "B"]) {
          for (const task of ["slow", "other"]) {
            expect(w.count("start", task, label), `batch ${label}'s ${task} started exactly once`).toBe(1)
            expect(w.count("done", task, label), `batch ${label}'s ${task} finished`).toBe(1)
            expect(files, `batch ${label}'s ${task} merged into main`).toContain(`out-${label}-${task}.txt`)
          }
        }
        expect(w.worktrees(), "both batches cleaned up their worktrees").toHaveLength(1)
        expect(w.branches(), "both batches cleaned up their branches").toEqual([])
      })
    )

    test(
      `regression: two batches on one server the same day both run — the same manifest again while it runs${suffix}`,
      { timeout: 120_000 },
      () =>
        withWorld("same-manifest", async (w) => {
          // Long enough to be still running when the second run checks, even on a loaded machine (a
          // first batch that already completed is no longer unfinished, and a new batch is allowed).
          const a = w.manifest("a.json", [{ id: "slow", label: "A", a: Math.max(LINES, 150), b: 0.1 }])
          const first = await w.runDetached(a)
          expect(first.result.code, "first run --detached exits 0").toBe(0)
          await waitFor(
            "the first batch's agent started",
            () => (w.count("start", "slow", "A") >= 1 ? true : undefined),
            30_000
          )

          const again = await w.runDetached(a)
          w.note(`second run of the same manifest → ${again.result.code} batch=${again.batchId ?? "-"}`)
          expect(
            w.count("done", "slow", "A"),
            "the first batch was still running when the second run was refused"
          ).toBe(0)

          // the first batch is not broken: its agent finishes and its work is merged
          await waitSupervisorExit(w, first.pid, 60_000)
          await waitSupervisorExit(w, again.pid, 60_000)
          expect(w.count("done", "slow", "A"), "the first batch's agent finished").toBeGreaterThanOrEqual(1)
          expect(w.filesOn("main"), "the first batch's work is merged").toContain("out-A-slow.txt")

          // the second run is refused, with a hint to resume; so the agent started exactly once
          expect(again.result.code, "re-running a running batch's manifest is refused (non-zero exit)").not.toBe(0)
          expect(`${again.result.stdout}\n${again.result.stderr}`, "the refusal hints at resume").toMatch(/resume/)
          expect(w.count("start", "slow", "A"), "the agent started exactly once").toBe(1)
        })
    )
  }
})
