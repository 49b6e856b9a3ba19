/**
 * The `npm test` slice of the hostile-input campaign (scripts/soak/Hostile.ts): every row at slice
 * scale — Schema and real-CLI rejections, hostile prompts through real tmux, file modes, exact
 * targets, fuzzed manifests, escaping state paths, a reused pid, the no-shell scan. Every violation
 * count must be 0 and every row must really have run.
 */
import { describe, expect, it } from "vitest"
import { campaign } from "../../scripts/soak/Hostile.ts"
import { failures } from "../../scripts/soak/Report.ts"

describe("soak slice: hostile input", () => {
  it("every hostile input is refused clearly or handled exactly; nothing escapes, is injected or is killed", async () => {
    const rows = await campaign.run("slice")
    expect(failures(rows)).toEqual([])
    expect(rows.length).toBe(10)
    for (const r of rows) {
      expect(r.group).toBe("hostile input")
      expect(r.runs, r.case).toBeGreaterThan(0)
    }
    const byCase = (prefix: string) => rows.find((r) => r.case.startsWith(prefix))!
    expect(byCase("rekindle run").counts["rejectedClearly"]).toBe(byCase("rekindle run").runs)
    expect(byCase("hostile prompts").counts["handledExactly"]).toBe(byCase("hostile prompts").runs)
  }, 180_000)
})
