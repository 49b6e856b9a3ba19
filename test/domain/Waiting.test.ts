/**
 * When a running agent waits at a screen that blocks work (core/domain/Waiting.ts): a known screen at once; an
 * unrecognised question only after the pane has been quiet (an agent that thinks animates), never for a working or
 * idle agent; once per wait, and back to running when the screen is gone.
 */
import { describe, expect, it } from "vitest"
import { FIRST_RUN_SCREENS } from "../../core/domain/Screens.ts"
import { blockingScreen, UNRECOGNISED_QUIET_MS, waitingChange } from "../../core/domain/Waiting.ts"

const TRUST = [
  " Accessing workspace:",
  " /tmp/repo",
  " ❯ No, exit",
  "   Yes, I trust this folder",
  " Enter to confirm",
  ""
]
const PERMISSION = [
  "● Bash(rm -rf build)",
  " Do you want to proceed?",
  " ❯ 1. Yes",
  "   2. No, and tell Claude what to do differently (esc)",
  "",
  ""
]
const THINKING = ["❯ Task c1: create c1.txt", "✻ Brewing… (3s · esc to interrupt)"]
const IDLE = ["● Task c1 is done.", "────────", "❯ ", "────────", "  ? for shortcuts"]

const judge = (lines: ReadonlyArray<string>, quietMs: number, waiting = false, agent = "claude") =>
  blockingScreen({ table: FIRST_RUN_SCREENS, agent, lines, quietMs, waiting })

describe("blockingScreen", () => {
  it("a known screen of the task's agent blocks at once, with its id, how past it and the lines (trailing blanks dropped)", () => {
    expect(judge(TRUST, 0)).toEqual({
      screen: "claude-trust",
      how: expect.stringContaining("hasTrustDialogAccepted"),
      lines: TRUST.slice(0, -1)
    })
  })

  it("an unrecognised question blocks only once the pane has been quiet for the bound", () => {
    expect(judge(PERMISSION, UNRECOGNISED_QUIET_MS - 1)).toBeUndefined()
    expect(judge(PERMISSION, UNRECOGNISED_QUIET_MS)).toEqual({
      screen: "unrecognised",
      how: expect.stringContaining("rekindle attach"),
      lines: PERMISSION.slice(0, -2)
    })
    expect(judge(TRUST, UNRECOGNISED_QUIET_MS, false, "codex")?.screen, "another kind's screen is a question too").toBe(
      "unrecognised"
    )
  })

  it("never for an agent that is thinking or idle at its input box, however quiet", () => {
    expect(judge(THINKING, 10 * UNRECOGNISED_QUIET_MS)).toBeUndefined()
    expect(judge(IDLE, 10 * UNRECOGNISED_QUIET_MS)).toBeUndefined()
    expect(judge([], 10 * UNRECOGNISED_QUIET_MS)).toBeUndefined()
  })

  it("a waiting task stays waiting while the question is shown, even when its pane writes (no flapping)", () => {
    expect(judge(PERMISSION, 0, true)?.screen).toBe("unrecognised")
    expect(judge(IDLE, 0, true)).toBeUndefined()
  })
})

describe("waitingChange", () => {
  const seen = { screen: "claude-trust", how: "h", lines: ["x"] }
  it("enters once, stays while the screen is shown, leaves when it is gone", () => {
    expect(waitingChange(undefined, seen, 5)).toEqual({ _tag: "Enter", waiting: { since: 5, ...seen } })
    const recorded = { since: 5, ...seen }
    expect(waitingChange(recorded, { ...seen, lines: ["x", "clock 12:01"] }, 9)).toEqual({ _tag: "Same" })
    expect(waitingChange(recorded, undefined, 9)).toEqual({ _tag: "Leave" })
    expect(waitingChange(undefined, undefined, 9)).toEqual({ _tag: "Same" })
  })
})
