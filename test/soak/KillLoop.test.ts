/**
 * The kill -9 loop's slice in `npm test` (the full loop runs in `npm run soak`): a few iterations of
 * SIGKILL-the-supervisor-and-resume on real tmux + git, every violation count 0.
 */
import { describe, expect, it } from "vitest"
import { failures } from "./Report.ts"
import { campaign } from "./KillLoop.ts"

describe("kill -9 loop (slice)", () => {
  it("SIGKILLed supervisors, resumed until done: every batch ends as the reference run, nothing lost, run or prompted twice", async () => {
    const rows = await campaign.run("slice")
    expect(failures(rows)).toEqual([])
    expect(rows).toHaveLength(1)
    const row = rows[0]!
    expect(row.runs).toBe(3)
    // The kills really happened: the planned ones, and the operator's kill that lets the answer in.
    const planned = ["killed at launch", "killed mid-wave", "killed in a merge", "killed in a state save"].reduce((n, k) => n + (row.counts[k] ?? 0), 0)
    expect(planned).toBeGreaterThanOrEqual(3 - (row.counts["planned kill missed"] ?? 0))
    expect(row.counts["killed for the answer"]).toBeGreaterThanOrEqual(1)
  }, 180_000)
})
