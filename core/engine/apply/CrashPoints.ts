/**
 * Named points inside the apply loop where a test may kill the supervisor. In production the hook
 * does nothing; the crash-anywhere model test installs one that dies at the k-th point reached,
 * which is exactly what SIGKILL does to a real supervisor between two instructions.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/** The hook called at every crash point with its label. */
export const CrashPoint: Context.Reference<(label: string) => Effect.Effect<void>> = Context.Reference<
  (label: string) => Effect.Effect<void>
>("rekindle/CrashPoint", { defaultValue: () => () => Effect.void })

/** Reach a crash point. */
export const crashPoint = (label: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const hook = yield* CrashPoint
    yield* hook(label)
  })
