/**
 * Confirmations for destructive commands (`restart`, `abort --hard`, `repair` with removals). A
 * question is asked only when stdin AND stderr are terminals (someone can see it and answer);
 * otherwise `--yes` is required, else E_CONFIRMATION_REQUIRED. A "no" is not an error: the command
 * says nothing changed and exits 0.
 */
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { fail, type EngineError } from "../../core/engine/support/Errors.ts"
import type { Ctx } from "../Root.ts"
import { jsonDocument } from "../render/Json.ts"
import { DeclinedOutput } from "../render/Shapes.ts"
import type { Style } from "../render/Style.ts"

/** What to do about a confirmation. */
type ConfirmDecision = "proceed" | "ask" | "refuse"

/** Pure: proceed without asking, ask, or refuse for lack of a terminal. */
export const decideConfirm = (input: {
  readonly needed: boolean
  readonly yes: boolean
  readonly stdinIsTTY: boolean
  readonly stderrIsTTY: boolean
}): ConfirmDecision =>
  !input.needed || input.yes ? "proceed" : input.stdinIsTTY && input.stderrIsTTY ? "ask" : "refuse"

/** The user said no: the handler stops here, and the command exits 0. */
export class Declined extends Data.TaggedError("Declined")<{
  readonly command: string
  readonly batchId: string | undefined
}> {}

/**
 * Confirm `question` for `command`: succeeds to go on, fails E_CONFIRMATION_REQUIRED without a
 * terminal and `--yes`, or with {@link Declined} after printing that nothing changed.
 */
export const confirm = Effect.fn("cli.confirm")(function* (
  ctx: Ctx,
  spec: {
    readonly needed: boolean
    readonly yes: boolean
    readonly question: string
    readonly command: string
    readonly batchId: string | undefined
  }
) {
  const decision = decideConfirm({
    needed: spec.needed,
    yes: spec.yes,
    stdinIsTTY: ctx.env.stdinIsTTY,
    stderrIsTTY: ctx.env.stderrIsTTY
  })
  if (decision === "proceed") return
  if (decision === "refuse") {
    return yield* fail(
      "E_CONFIRMATION_REQUIRED",
      `${spec.command} needs confirmation: ${spec.question}`,
      "no terminal to ask on: pass --yes to confirm (or --dry-run to only look, where the command has it)"
    ) as Effect.Effect<never, EngineError>
  }
  const ok = yield* ctx.env.confirm(spec.question)
  if (ok) return
  return yield* new Declined({ command: spec.command, batchId: spec.batchId })
})

/** Report a declined confirmation (stdout document when --json; a note on stderr either way). */
export const reportDeclined = (json: boolean, err: Style, d: Declined): Effect.Effect<void> =>
  Effect.andThen(
    Console.error(err.dim(`${d.command}: not confirmed; nothing changed`)),
    json
      ? Console.log(jsonDocument(DeclinedOutput, { declined: true, command: d.command, batchId: d.batchId ?? null }))
      : Effect.void
  )
