/**
 * The state an apply loop works on: the latest persisted state in a Ref, and `update`, which applies
 * a change and saves it atomically at once (every transition is persisted before the next step).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Semaphore from "effect/Semaphore"
import type { BatchState, Task } from "../../domain/State.ts"
import type { StateStore } from "../../ports/StateStore.ts"
import type { EngineError } from "../support/Errors.ts"
import { batchPaths, type BatchPaths } from "../../domain/Layout.ts"
import { saveState } from "../support/StateIO.ts"

/** The working state of one apply run. */
export interface Applying {
  readonly paths: BatchPaths
  readonly current: Effect.Effect<BatchState>
  /** Change the state and persist it durably before returning. */
  readonly update: (f: (s: BatchState) => BatchState) => Effect.Effect<BatchState, EngineError, StateStore>
  /** Change one task (no-op when it is not there). */
  readonly updateTask: (taskId: string, f: (t: Task) => Task) => Effect.Effect<BatchState, EngineError, StateStore>
}

/** Start an apply run from `initial`. */
export const makeApplying = (initial: BatchState): Effect.Effect<Applying> =>
  Effect.gen(function* () {
    const ref = yield* Ref.make(initial)
    // Tasks relaunched side by side (options.relaunchConcurrency) update one state: each read-change-save runs alone,
    // so no task's change is lost to another's save.
    const saving = yield* Semaphore.make(1)
    const update = (f: (s: BatchState) => BatchState) =>
      Semaphore.withPermit(
        saving,
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const saved = yield* saveState(f(yield* Ref.get(ref)), now)
          yield* Ref.set(ref, saved)
          return saved
        })
      )
    return {
      paths: batchPaths(initial.repoRoot, initial.batchId),
      current: Ref.get(ref),
      update,
      updateTask: (taskId, f) => update((s) => ({ ...s, tasks: s.tasks.map((t) => (t.id === taskId ? f(t) : t)) }))
    }
  })

/** The task with `id` in `state`, or undefined. */
export const findTask = (state: BatchState, id: string): Task | undefined => state.tasks.find((t) => t.id === id)
