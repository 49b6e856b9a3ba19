/**
 * The Notifier contract, for the real adapter and the fake: the event reaches the program's stdin
 * byte for byte; a missing program is NotFound; a program exiting non-zero is Failed.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import type { NotifierShape } from "../../core/ports/Notifier.ts"
import { type Disposable, freshEach } from "./Fresh.ts"

/** A world with one recording program and one failing program. */
export interface NotifierHarness extends Disposable {
  readonly notifier: NotifierShape
  /** An argv that records its stdin. */
  readonly recorder: ReadonlyArray<string>
  /** What the recorder received, one entry per run. */
  readonly received: () => Promise<ReadonlyArray<string>>
  /** An argv that exits non-zero. */
  readonly failing: ReadonlyArray<string>
}

/** Register the contract for one implementation. */
export const notifierContract = (name: string, make: () => Promise<NotifierHarness>): void => {
  const fresh = freshEach(make)
  describe(`Notifier contract: ${name}`, () => {
    it(
      "the payload reaches the program's stdin byte for byte, once per call",
      fresh(async (h) => {
        const a = JSON.stringify({ kind: "task-failed", reason: 'it\'s "quoted"; $(not run)\nline 2 é' })
        await Effect.runPromise(h.notifier.notify(h.recorder, a))
        await Effect.runPromise(h.notifier.notify(h.recorder, "second"))
        expect(await h.received()).toEqual([a, "second"])
      })
    )
    it(
      "a missing program is NotFound; a failing one is Failed",
      fresh(async (h) => {
        const missing = await Effect.runPromise(Effect.flip(h.notifier.notify(["rekindle-no-such-program-x9"], "{}")))
        expect(missing.reason).toBe("NotFound")
        const failed = await Effect.runPromise(Effect.flip(h.notifier.notify(h.failing, "{}")))
        expect(failed.reason).toBe("Failed")
      })
    )
  })
}
