/**
 * Hostile prompts and argv elements reach the agent exactly (issue 8): a real batch on real tmux +
 * git, one task per hostile class, each program recording what it received before the bundled fake
 * agent finishes the task — `$(touch …)`, backticks, `; touch`, `#{pane_id}`, `#(touch …)`, quotes,
 * newlines arrive byte for byte and nothing runs. The same batch, run under a umask of 022, checks
 * the modes of everything rekindle keeps under .rekindle/.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { deliverHostile, type DeliveryOutcome } from "./delivery.ts"
import { withUmask } from "./modes.ts"

/** The classes the brief names, and the other injection shapes. */
const CLASSES = [
  "subshell",
  "backtick",
  "semicolon",
  "trailingSemicolon",
  "tmuxFormat",
  "tmuxCommand",
  "newline",
  "singleQuote",
  "doubleQuote",
  "dash",
  "percent",
  "rtl",
  "empty"
]

let outcome: DeliveryOutcome
beforeAll(async () => {
  outcome = await withUmask(0o022, () => deliverHostile(CLASSES))
}, 180_000)

describe("hostile prompts and argv through real tmux and the fake agent", () => {
  it("every prompt and argv element arrives byte for byte, and every task succeeds", () => {
    expect(outcome.mismatches).toEqual([])
    expect(outcome.exact).toBe(CLASSES.length)
    expect(outcome.phase).toBe("completed")
  })

  it("tasks named __proto__, constructor and toString run and are listed by status --json", () => {
    expect(outcome.statusProblem).toBeUndefined()
  })

  it("nothing injected ran: no pwned file, no session but the tasks' own", () => {
    expect(outcome.pwned).toBe(false)
    expect(outcome.strangers).toEqual([])
  })

  it("regression: under umask 022 pane logs and done markers were 0644, and done/, worktrees/ and worktrees/<batch>/ 0755; every file is now 0600, every directory 0700", () => {
    expect(outcome.modes.wrong).toEqual([])
    // state, backup, journal, lease, sink, a log and a marker per task, and the directories.
    expect(outcome.modes.checked).toBeGreaterThan(2 * CLASSES.length + 8)
  })
})
