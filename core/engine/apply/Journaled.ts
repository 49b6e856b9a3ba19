/**
 * The journal protocol that makes a side effect idempotent across crashes:
 * intent → act → persist state → done. Before acting, the journal is asked: a key with a done line
 * is skipped; a key with an intent but no done is re-examined against the world (`landed`) and
 * either completed without acting again, or acted on. State is persisted BEFORE the done line, so a
 * done line always means the state already carries the effect.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { Journal, type JournalEvent } from "../../ports/Journal.ts"
import { fail, type EngineError } from "../support/Errors.ts"

/** What happened to one journaled step. */
type StepOutcome = "done" | "skipped" | "recovered"

const journalError = (e: { readonly message: string }) =>
  fail("E_IO", `cannot write the journal: ${e.message}`, "check free space and permissions of the .rekindle directory")

/** Append one event. */
export const record = (path: string, event: Omit<JournalEvent, "at">): Effect.Effect<void, EngineError, Journal> =>
  Effect.gen(function* () {
    const journal = yield* Journal
    const at = yield* Clock.currentTimeMillis
    yield* journal.append(path, { ...event, at }).pipe(Effect.mapError(journalError))
  })

/** Run one side effect under the protocol. */
export const journaled = <A, E, R, E2, R2, E3, R3>(spec: {
  readonly journal: string
  readonly key: string
  readonly kind: string
  readonly data?: unknown
  /** Re-examination after a crash: did the effect land? (Some(result) when it did.) */
  readonly landed: Effect.Effect<A | undefined, E2, R2>
  readonly act: Effect.Effect<A, E, R>
  /** Persist what the effect means for the state (runs before the done line). */
  readonly persist: (result: A, outcome: StepOutcome) => Effect.Effect<void, E3, R3>
}): Effect.Effect<StepOutcome, E | E2 | E3 | EngineError, R | R2 | R3 | Journal> =>
  Effect.gen(function* () {
    const journal = yield* Journal
    const entry = yield* journal.query(spec.journal, spec.key).pipe(Effect.mapError(journalError))
    if (entry.done !== undefined) return "skipped" as const
    let outcome: StepOutcome = "done"
    let result: A | undefined
    if (entry.intent !== undefined) {
      result = yield* spec.landed
      if (result !== undefined) outcome = "recovered"
    } else {
      yield* record(spec.journal, {
        key: spec.key,
        phase: "intent",
        kind: spec.kind,
        ...(spec.data === undefined ? {} : { data: spec.data })
      })
    }
    if (result === undefined) result = yield* spec.act
    yield* spec.persist(result, outcome)
    // The done line repeats what the step was about (its intent may be lines or files away): progress shows it.
    const about = typeof spec.data === "object" && spec.data !== null ? spec.data : {}
    yield* record(spec.journal, { key: spec.key, phase: "done", kind: spec.kind, data: { ...about, outcome } })
    return outcome
  })
