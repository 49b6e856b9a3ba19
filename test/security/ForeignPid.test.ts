/**
 * rekindle never kills a process it did not start (issue 8): identity is pid + start time recorded
 * at launch. A state whose agents' pid now belongs to an unrelated live process (same pid, another
 * start time) goes through repair, abort --hard and resume --force on the real machine: the
 * unrelated process and a user's own session named like a prefix of rekindle's both survive.
 */
import { describe, expect, it } from "vitest"
import { FOREIGN_COMMANDS, foreignProcess } from "./foreign.ts"

describe("a recorded pid reused by an unrelated process", () => {
  it("repair, abort --hard and resume --force leave the unrelated process and the user's session alive", async () => {
    const r = await foreignProcess()
    expect(r.failed).toEqual([])
    expect(r.commands).toBe(FOREIGN_COMMANDS.length)
    expect(r.foreignKilled).toEqual([])
    expect(r.userSessionKilled).toEqual([])
  }, 120_000)
})
