/**
 * The `npm test` slice of the fault campaign (scripts/soak/Faults.ts): every fault once on real tmux +
 * git, every state-save step and tear class on the fault-injecting FileSystem, a few torn journal
 * tails — no violation allowed. `npm run soak` runs the same campaign at full scale.
 */
import { describe, expect, it } from "vitest"
import { failures, type Row } from "../../scripts/soak/Report.ts"
import { campaign } from "../../scripts/soak/Faults.ts"

describe("fault campaign (slice)", () => {
  it("every fault ends as rekindle promises: nothing lost, nothing run twice, state intact, the expected outcome", async () => {
    const rows: ReadonlyArray<Row> = await campaign.run("slice")
    expect(failures(rows)).toEqual([])
    // The rows really ran: one per fault of the list, each with at least one finished iteration.
    expect(rows.length).toBe(15)
    for (const r of rows) expect(r.runs, r.case).toBeGreaterThan(0)
    for (const r of rows) expect(r.counts["ok"], r.case).toBe(r.runs)
    const journal = rows.find((r) => r.case === "torn journal tail")!
    expect(journal.counts["reported"]).toBe(journal.counts["torn"])
  }, 240_000)
})
