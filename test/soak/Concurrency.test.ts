/**
 * The `npm test` slice of the concurrency campaign (scripts/soak/Concurrency.ts): one round of 8 racing
 * resumes and one check of each lease kind, on real tmux + git; every violation count must be 0.
 */
import { describe, expect, it } from "vitest"
import { campaign } from "../../scripts/soak/Concurrency.ts"
import { failures } from "../../scripts/soak/Report.ts"

describe("soak slice: concurrency", () => {
  it("8 racing resumes leave one supervisor; a pid-reused lease is taken over, a live one refused", async () => {
    const rows = await campaign.run("slice")
    expect(failures(rows)).toEqual([])
    expect(rows.length).toBeGreaterThanOrEqual(3)
    for (const r of rows) expect(r.runs, r.case).toBeGreaterThan(0)
    const race = rows[0]!
    expect(race.counts["supervisors"]).toBe(race.runs)
    expect(race.counts["locked"]).toBe(race.runs * 7)
  }, 180_000)
})
