/**
 * Settings and progress hook of the wave executor, as context references so the CLI (progress line),
 * tests (fast polls) and embedders can set them without threading options through every call.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/** Executor tunables. */
export interface ExecutorTuning {
  /** Time between monitoring passes (one observation each). */
  readonly pollMs: number
  /** Grace between SIGTERM and SIGKILL when the executor stops an agent. */
  readonly graceMs: number
}

/** Default tuning: a modest 1 s poll. */
export const ExecutorSettings: Context.Reference<ExecutorTuning> = Context.Reference<ExecutorTuning>(
  "rekindle/ExecutorSettings",
  {
    defaultValue: () => ({ pollMs: 1_000, graceMs: 5_000 })
  }
)

/** A progress event (one line each when not on a TTY). */
export type ExecutorEvent =
  | {
      readonly _tag: "WaveStarted"
      readonly wave: number
      readonly waves: number
      readonly tasks: ReadonlyArray<string>
    }
  | { readonly _tag: "TaskLaunched"; readonly taskId: string; readonly attempt: number; readonly session: string }
  /** The wave's first launch pass is done: its tasks run (a background supervisor is ready from here). */
  | { readonly _tag: "WaveRunning"; readonly wave: number; readonly running: ReadonlyArray<string> }
  | { readonly _tag: "TaskChanged"; readonly taskId: string; readonly status: string; readonly reason: string }
  | {
      readonly _tag: "Merged"
      readonly wave: number
      readonly lane: string
      readonly status: string
      readonly reason?: string
    }
  | { readonly _tag: "BatchEnded"; readonly phase: string; readonly reason: string }

/** Where progress goes (default: nowhere). */
export const ExecutorEvents: Context.Reference<(event: ExecutorEvent) => Effect.Effect<void>> = Context.Reference<
  (event: ExecutorEvent) => Effect.Effect<void>
>("rekindle/ExecutorEvents", { defaultValue: () => () => Effect.void })

/** Emit a progress event. */
export const emit = (event: ExecutorEvent): Effect.Effect<void> =>
  Effect.gen(function* () {
    const sink = yield* ExecutorEvents
    yield* sink(event)
  })
