import { describe, expect, it } from "vitest"
import { checkEligibility, type Phase } from "../../core/domain/index.ts"
import { state, task } from "../support/builders.ts"

const check = (phase: Phase, force = false) => checkEligibility(state([task("a")], { phase }), { force })

describe("checkEligibility phase matrix", () => {
  it.each(["paused", "executing", "merging"] as const)("%s is resumable", (phase) => {
    expect(check(phase)).toEqual({ _tag: "Eligible", forced: false })
  })
  it.each(["stopped", "failed"] as const)("%s needs --force", (phase) => {
    expect(check(phase)).toMatchObject({ _tag: "Ineligible", code: "E_NOT_RESUMABLE" })
    const e = check(phase)
    expect(e._tag === "Ineligible" ? e.hint : "").toContain("--force")
    expect(check(phase, true)).toEqual({ _tag: "Eligible", forced: true })
  })
  it.each(["completed", "idle", "planning"] as const)("%s is never resumable, even forced", (phase) => {
    const e = check(phase, true)
    expect(e._tag).toBe("Ineligible")
    expect(e._tag === "Ineligible" && e.hint).toMatch(/rekindle run|nothing to resume/)
  })
})
