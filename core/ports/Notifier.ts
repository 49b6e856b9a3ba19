/**
 * Port: run the program a manifest names in `options.notify` with one event on its stdin. Optional:
 * the engine notifies only when a Notifier is provided (the live layer provides one; an embedder may
 * provide its own or none).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** Why a notification did not reach its program. */
export const NotifierErrorReason = Schema.Literals(["NotFound", "Timeout", "Failed"])

/** The notify program could not be run, timed out or exited non-zero. */
export class NotifierError extends Schema.TaggedError<NotifierError>()("NotifierError", {
  reason: NotifierErrorReason,
  message: Schema.String
}) {}

/** The one operation. */
export interface NotifierShape {
  /** Run `argv` (an argv array, never a shell string) with `payload` on stdin; wait for it to exit. */
  readonly notify: (argv: ReadonlyArray<string>, payload: string) => Effect.Effect<void, NotifierError>
}

/** Service tag for {@link NotifierShape}. */
export class Notifier extends Context.Service<Notifier, NotifierShape>()("rekindle/Notifier") {}
