/**
 * The `npm test` slice of the state-abuse campaign (scripts/soak/StateAbuse.ts): malformed JSON, a
 * newer version and a symlinked state file on a real crashed batch, each against a third of the
 * state-reading CLI commands (together: every command once); every violation count must be 0.
 */
import { describe, expect, it } from "vitest"
import { campaign } from "../../scripts/soak/StateAbuse.ts"
import { failures } from "../../scripts/soak/Report.ts"

describe("soak slice: state abuse", () => {
  it("every state-reading command refuses abused state with its stable code and changes nothing", async () => {
    const rows = await campaign.run("slice")
    expect(failures(rows)).toEqual([])
    expect(rows.map((r) => r.group)).toEqual(["state abuse", "state abuse", "state abuse"])
    for (const r of rows) {
      expect(r.runs, r.case).toBeGreaterThan(0)
      expect(r.counts["commands"], r.case).toBe(r.runs)
    }
    expect(rows.reduce((n, r) => n + r.runs, 0)).toBe(14)
  }, 180_000)
})
