import { describe, expect, it } from "vitest"
import { detectActivity, lastMeaningfulLine } from "../../core/domain/index.ts"

const d = (lines: Array<string>, quietMs = 5_000, paneDead = false) =>
  detectActivity({ lines, paneDead, quietMs, idleAfterMs: 60_000 })

describe("agent activity detector", () => {
  it("a dead pane has exited", () => expect(d(["done"], 0, true).activity).toBe("exited"))
  it("a question on the live screen is waiting for input", () => {
    expect(d(["Editing src/app.ts", "Do you want to proceed? (y/n)"])).toEqual({
      activity: "waiting-for-input",
      line: "Do you want to proceed? (y/n)"
    })
    expect(d(["Which database should I use?", "", "╰────────╯", "⠋"]).activity).toBe("waiting-for-input")
  })
  it("ignores UI noise: spinners, box drawing, key hints", () => {
    expect(lastMeaningfulLine(["Writing tests", "│            │", "✻ ", "esc to interrupt", ""])).toBe("Writing tests")
  })
  it("recent output is working; long quiet without a question is idle", () => {
    expect(d(["step 3/5"], 500).activity).toBe("working")
    expect(d(["step 3/5"], 120_000).activity).toBe("idle")
  })
  it("a question printed a moment ago is still being typed: working", () =>
    expect(d(["Shall I?"], 200).activity).toBe("working"))
})
