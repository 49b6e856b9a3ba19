/**
 * fast-check arbitraries derived from rekindle's Schemas, for embedders' property tests: anything a
 * Schema admits (raw documents) through {@link fromSchema}, and consistent worlds through
 * `scenarioArbitrary` (Scenarios.ts). fast-check is an optional peer dependency of `rekindle`:
 * install it to use `rekindle/testing`.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import fc from "fast-check"
import { TaskDecision } from "../../core/domain/Decision.ts"
import { PlanStep } from "../../core/domain/Plan.ts"
import { Signals } from "../../core/domain/Signals.ts"
import { BatchStateFields, Task, type BatchState } from "../../core/domain/State.ts"

/** Options of {@link fromSchema}. */
export interface FromSchemaOptions {
  /** Largest size handed to effect's generator (collection lengths grow with it); default 12. */
  readonly maxSize?: number
}

/**
 * A fast-check arbitrary of every value `schema` admits. effect's Arbitrary is its own engine: this
 * bridges it by drawing (seed, size) from fast-check, so runs replay from fast-check's seed; values
 * shrink by size only.
 */
export const fromSchema = <S extends Schema.Top>(
  schema: S,
  options: FromSchemaOptions = {}
): fc.Arbitrary<S["Type"]> => {
  const arb = Arbitrary.schema(schema)
  return fc
    .tuple(fc.noShrink(fc.integer()), fc.nat({ max: options.maxSize ?? 12 }))
    .map(([seed, size]) => Effect.runSync(Arbitrary.sampleEffect(arb, { count: 1, seed, size }))[0]!)
}

/** Any state document the Schema admits (no unknown top-level fields). Not necessarily consistent. */
export const batchStateArbitrary = (options: FromSchemaOptions = {}): fc.Arbitrary<BatchState> =>
  fromSchema(BatchStateFields, options)

/** Any signals value the Schema admits. */
export const signalsArbitrary = (options: FromSchemaOptions = {}): fc.Arbitrary<Signals> => fromSchema(Signals, options)

/** Any task record the Schema admits. */
export const taskArbitrary = (options: FromSchemaOptions = {}): fc.Arbitrary<Task> => fromSchema(Task, options)

/** Any plan step the Schema admits (for testing an embedder's own step executor). */
export const planStepArbitrary = (options: FromSchemaOptions = {}): fc.Arbitrary<PlanStep> =>
  fromSchema(PlanStep, options)

/** Any task decision the Schema admits (for testing an embedder's rendering of decisions). */
export const decisionArbitrary = (options: FromSchemaOptions = {}): fc.Arbitrary<TaskDecision> =>
  fromSchema(TaskDecision, options)
