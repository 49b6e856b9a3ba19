/**
 * Contract for the ProcessTable port: the same assertions run against the fake (over ProcWorld) and
 * the real adapter (over /proc), which is what makes the fake trustworthy.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { ProcessTable } from "../../core/ports/ProcessTable.ts"
import { freshEach } from "./Fresh.ts"

/** What a contract run needs from the world under test. */
export interface ProcessTableHarness {
  readonly table: ProcessTable["Service"]
  /** Start a long-running child process; returns its pid. */
  readonly startSleeper: () => Promise<number>
  /** Make `pid` exit on its own (not through the port). */
  readonly stop: (pid: number) => Promise<void>
  readonly cleanup: () => Promise<void>
}

const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)

/** Register the contract tests for one implementation. */
export const processTableContract = (name: string, makeHarness: () => Promise<ProcessTableHarness>): void => {
  describe(`ProcessTable contract: ${name}`, () => {
    const withHarness = freshEach(makeHarness)

    it(
      "snapshot lists a started process with its parent and a start time",
      withHarness(async (h) => {
        const pid = await h.startSleeper()
        const snap = await run(h.table.snapshot)
        const me = snap.find((p) => p.pid === pid)
        expect(me).toBeDefined()
        expect(me!.startTime).not.toBe("")
        expect(me!.argv.length).toBeGreaterThan(0)
      })
    )

    it(
      "isAlive needs pid AND start time; a dead process is not alive",
      withHarness(async (h) => {
        const pid = await h.startSleeper()
        const me = (await run(h.table.snapshot)).find((p) => p.pid === pid)!
        expect(await run(h.table.isAlive({ pid, startTime: me.startTime }))).toBe(true)
        expect(await run(h.table.isAlive({ pid, startTime: `${me.startTime}x` }))).toBe(false)
        await h.stop(pid)
        expect(await run(h.table.isAlive({ pid, startTime: me.startTime }))).toBe(false)
      })
    )

    it(
      "self has a pid, start time and host, and is alive",
      withHarness(async (h) => {
        const self = await run(h.table.self)
        expect(self.pid).toBeGreaterThan(0)
        expect(self.host).not.toBe("")
        expect(await run(h.table.isAlive(self))).toBe(true)
      })
    )

    it(
      "signal refuses a pid whose start time differs and kills one that matches",
      withHarness(async (h) => {
        const pid = await h.startSleeper()
        const me = (await run(h.table.snapshot)).find((p) => p.pid === pid)!
        const refused = await run(Effect.flip(h.table.signal({ pid, startTime: `${me.startTime}x` }, "SIGTERM")))
        expect(refused.reason).toBe("NotOwned")
        expect(await run(h.table.isAlive(me))).toBe(true)
        expect(await run(h.table.signal(me, "SIGKILL"))).toBe(true)
        await new Promise((r) => setTimeout(r, 100))
        expect(await run(h.table.isAlive(me))).toBe(false)
        expect(await run(h.table.signal(me, "SIGKILL"))).toBe(false)
      })
    )
  })
}
