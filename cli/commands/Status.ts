/**
 * `rekindle status [batch]`: the persisted state joined with live signals, per task. Read-only.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { context, emit, next } from "../Root.ts"
import { nextStep } from "../render/Next.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument, statusJson } from "../render/Json.ts"
import { StatusOutput } from "../render/Shapes.ts"
import { renderStatus } from "../render/Status.ts"
import { batchArg } from "../shared/Args.ts"

/** The `status` command. */
export const status = Command.make(
  "status",
  { batch: batchArg },
  Effect.fn("cli.status")(function* ({ batch }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const report = yield* t.run(Engine.status({ repoRoot: t.repoRoot, batchId: t.batchId }))
    yield* emit(
      ctx,
      () => jsonDocument(StatusOutput, statusJson(report)),
      () => renderStatus(ctx.out, report)
    )
    if (!ctx.json) yield* next(ctx, nextStep(t.state, report.supervisor === "alive"))
  })
).pipe(
  Command.withShortDescription("Per-task status, liveness, age and last output"),
  Command.withDescription("Show each task's status, session and agent liveness, age and last output. Read-only."),
  Command.withExamples([
    { command: "rekindle status", description: "the only or most recent unfinished batch" },
    { command: "rekindle status b1 --json", description: "one batch, as JSON (`rekindle schema status`)" }
  ])
)
