import { describe, expect, it } from "@effect/vitest"
import { shownStatus } from "../../core/domain/ShownStatus.ts"
import { task } from "../support/builders.ts"

describe("shownStatus", () => {
  it("a running or stalled task of a stopped batch whose agent is gone is shown stopped", () => {
    expect(shownStatus(task("a"), "stopped", false)).toBe("stopped")
    expect(shownStatus(task("a", { status: "stalled" }), "stopped", false)).toBe("stopped")
  })

  it("anything else keeps its persisted status", () => {
    expect(shownStatus(task("a"), "stopped", true)).toBe("running")
    expect(shownStatus(task("a"), "executing", false)).toBe("running")
    expect(shownStatus(task("a", { status: "succeeded" }), "stopped", false)).toBe("succeeded")
  })

  it("a live agent stopped at a screen that blocks work is shown waiting; once its agent is gone, not", () => {
    const waiting = { since: 1, screen: "unrecognised", how: "answer it", lines: ["Enter to confirm"] }
    expect(shownStatus(task("a", { waiting }), "executing", true)).toBe("waiting")
    expect(shownStatus(task("a", { status: "stalled", waiting }), "executing", true)).toBe("waiting")
    expect(shownStatus(task("a", { waiting }), "executing", false)).toBe("running")
    expect(shownStatus(task("a", { waiting }), "stopped", false)).toBe("stopped")
  })
})
