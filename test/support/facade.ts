/**
 * The Promise facade in tests: an instance over a FakeWorld (its clock too), and the RekindleError a
 * call rejects with.
 */
import * as Clock from "effect/Clock"
import * as Layer from "effect/Layer"
import { expect } from "vitest"
import { createRekindleWithLayer, RekindleError, type Rekindle } from "../../core/facade.ts"
import type { FakeWorld } from "../../adapters/testing.ts"

/** A facade on `repo` over every port of `world`, whatever tmux socket it asks for. */
export const worldFacade = (world: FakeWorld, repo: string): Rekindle =>
  createRekindleWithLayer({ repo }, () => Layer.mergeAll(world.layer(), Layer.succeed(Clock.Clock, world.effectClock)))

/** The RekindleError `p` rejects with (the test fails when it resolves or rejects with anything else). */
export const rejection = async (p: Promise<unknown>): Promise<RekindleError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x
  )
  expect(e).toBeInstanceOf(RekindleError)
  return e as RekindleError
}
