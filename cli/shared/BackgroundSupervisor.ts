/**
 * Background supervisors (`resume --detached`, `run --detached`, interactive `resume` and `run`):
 * the CLI starts `rekindle <command> --as-supervisor` as a detached process and waits for its
 * readiness line, so a refusal (E_LOCKED: another supervisor lives) is reported by the command the
 * user ran, and exactly one supervisor survives any number of concurrent starts (the lease decides).
 *
 * Protocol: the supervisor prints exactly ONE line of JSON on stdout — `{"ready":{"batchId"}}` once
 * a wave's tasks are launched (or a merge retry ran), `{"finished":{"batchId","phase"}}` when the work ended first, or
 * `{"error":{code,message,hint}}` — and then never writes stdout again (its stderr is the log file).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { Flag } from "effect/cli"
import { ErrorCode, fail, type EngineError } from "../../core/engine/support/Errors.ts"
import { ExecutorEvents, type ExecutorEvent } from "../../core/engine/waves/WaveSettings.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import type { BatchState } from "../../core/domain/State.ts"
import { Reported } from "../Exit.ts"
import type { Ctx } from "../Root.ts"
import { renderError } from "../render/Reports.ts"

/** Hidden flag: this process IS the background supervisor (speaks the readiness protocol). */
export const asSupervisorFlag = Flag.Boolean("as-supervisor").pipe(Flag.withHidden, Flag.withDefault(false))

/** Where a batch's background supervisor writes its log. */
export const supervisorLog = (repoRoot: string, batchId: string): string =>
  `${batchPaths(repoRoot, batchId).dir}/supervisor.log`

/** The readiness line. */
const Readiness = Schema.Union([
  Schema.Struct({ ready: Schema.Struct({ batchId: Schema.String }) }),
  Schema.Struct({ finished: Schema.Struct({ batchId: Schema.String, phase: Schema.String }) }),
  Schema.Struct({
    error: Schema.Struct({
      code: Schema.String,
      message: Schema.String,
      hint: Schema.String,
      details: Schema.optionalKey(Schema.Unknown)
    })
  })
])
type Readiness = typeof Readiness.Type
const decodeReadiness = Schema.decodeUnknownOption(Schema.fromJsonString(Readiness))
const isCode = Schema.is(ErrorCode)

/**
 * Child side: run `work` (which ends with the batch's final state), announcing readiness at the
 * first executor event. Human progress goes to stderr (the log). Fails only with Reported.
 */
export const superviseAsChild = (ctx: Ctx, batchId: string, work: Effect.Effect<BatchState, EngineError>) =>
  Effect.gen(function* () {
    let announced = false
    const announce = (doc: Readiness): Effect.Effect<void> =>
      announced
        ? Effect.void
        : Effect.andThen(
            Effect.sync(() => void (announced = true)),
            Console.log(JSON.stringify(doc))
          )
    // `work` reports its own progress (to stderr, the log); this sink only announces readiness — once
    // a wave's tasks are launched, so a supervisor that cannot launch them reports its error to the
    // command that started it instead of dying after that command said it runs.
    const sink = (e: ExecutorEvent): Effect.Effect<void> =>
      e._tag === "WaveRunning" || e._tag === "Merged" ? announce({ ready: { batchId } }) : Effect.void
    const exit = yield* Effect.exit(work.pipe(Effect.provideService(ExecutorEvents, sink)))
    if (Exit.isSuccess(exit)) {
      yield* announce({ finished: { batchId, phase: exit.value.phase } })
      yield* Console.error(`${new Date().toISOString()} supervisor done: batch ${batchId} ${exit.value.phase}`)
      return
    }
    const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
    const e =
      failure?._tag === "Fail"
        ? failure.error
        : fail("E_IO", "the supervisor stopped unexpectedly", "see the supervisor log")
    yield* announce({
      error: {
        code: e.code,
        message: e.message,
        hint: e.hint,
        ...(e.details === undefined ? {} : { details: e.details })
      }
    })
    yield* Console.error(renderError(ctx.err, e).join("\n"))
    return yield* new Reported({ exitCode: 1 })
  })

/** What starting a background supervisor gave. */
interface Started {
  readonly pid: number
  /** The supervisor keeps running (false: the work ended before it was ready). */
  readonly running: boolean
  readonly phase: string | undefined
  readonly log: string
}

/**
 * Parent side: start `rekindle <argv> --as-supervisor` detached and wait for its readiness line; its
 * error becomes this command's error (E_LOCKED, E_NOT_RESUMABLE, …).
 */
export const startSupervisor = Effect.fn("cli.startSupervisor")(function* (
  ctx: Ctx,
  argv: ReadonlyArray<string>,
  log: string
) {
  const flags = [
    ...(ctx.repo === undefined ? [] : ["--repo", ctx.repo]),
    ...(ctx.socket === undefined ? [] : ["--socket", ctx.socket])
  ]
  const started = yield* ctx.env.spawnSupervisor([...argv, ...flags, "--as-supervisor"], log)
  const doc = started.line === undefined ? undefined : decodeReadiness(started.line)
  if (doc === undefined || doc._tag === "None") {
    return yield* fail(
      "E_IO",
      `the background supervisor (pid ${started.pid}) exited before it was ready`,
      `see its log: ${log}`
    )
  }
  const r = doc.value
  if ("error" in r) {
    const code = isCode(r.error.code) ? r.error.code : "E_IO"
    return yield* fail(code, r.error.message, r.error.hint, r.error.details)
  }
  return "ready" in r
    ? ({ pid: started.pid, running: true, phase: undefined, log } satisfies Started)
    : ({ pid: started.pid, running: false, phase: r.finished.phase, log } satisfies Started)
})
