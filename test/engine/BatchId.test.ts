/** Generated batch ids: UTC time plus four characters of the safe charset, never anything else. */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { describe, expect, it } from "vitest"
import { newBatchId } from "../../core/engine/usecases/Run.ts"

describe("newBatchId", () => {
  it("regression: a generated batch id held 'undefined' (an inclusive random index one past the alphabet) — every id is <date>-<time>-<4 of [a-z0-9]>", () => {
    for (let seed = 0; seed < 400; seed++) {
      const id = Effect.runSync(newBatchId.pipe(Random.withSeed(`seed-${seed}`)))
      expect(id).toMatch(/^\d{8}-\d{6}-[a-z0-9]{4}$/)
    }
  })
})
