/**
 * Port: the wave executor — what runs the remaining waves of a batch after recovery. rekindle ships
 * its own (`rekindle run`); an orchestrator that embeds rekindle may supply its own through this tag.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { BatchState } from "../domain/State.ts"

/** Why the executor stopped short. `Unavailable`: no executor is installed. */
export const WaveExecutorErrorReason = Schema.Literals(["Unavailable", "Failed"])

/** The executor could not continue the batch. */
export class WaveExecutorError extends Schema.TaggedError<WaveExecutorError>()("WaveExecutorError", {
  reason: WaveExecutorErrorReason,
  message: Schema.String
}) {}

/** Continue a batch from a wave. */
export interface WaveExecutorShape {
  /**
   * Run waves `fromWave…` of `state` (tasks already recovered are running or done) and return the
   * state it ended with. Persists as it goes; the returned state is already saved.
   */
  readonly continueFrom: (state: BatchState, fromWave: number) => Effect.Effect<BatchState, WaveExecutorError>
}

/** Service tag for {@link WaveExecutorShape}. */
export class WaveExecutor extends Context.Service<WaveExecutor, WaveExecutorShape>()("rekindle/WaveExecutor") {}
