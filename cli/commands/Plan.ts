/**
 * `rekindle plan [batch]`: what a resume would do, per task and as ordered steps. Read-only.
 * `--signals <file>` replays a snapshot saved by `rekindle observe --json` instead of observing:
 * no tmux, git or process call is made.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as FileSystem from "effect/FileSystem"
import { Command, Flag } from "effect/cli"
import { Signals } from "../../core/domain/Signals.ts"
import * as Engine from "../../core/engine/index.ts"
import { context, emit, type Ctx } from "../Root.ts"
import { argPath, target, type Target } from "../shared/Target.ts"
import { jsonDocument, planJson } from "../render/Json.ts"
import { renderPlan } from "../render/Plan.ts"
import { PlanOutput } from "../render/Shapes.ts"
import { batchArg, forceFlag } from "../shared/Args.ts"

const decodeSignals = Schema.decodeUnknownEffect(Schema.fromJsonString(Signals))

/** Read and decode a saved signals snapshot (E_IO unreadable, E_USAGE not a snapshot). */
const readSnapshot = (ctx: Ctx, t: Target, file: string) =>
  t.run(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = argPath(ctx, file)
      const text = yield* fs
        .readFileString(path)
        .pipe(
          Effect.mapError((e) =>
            Engine.fail(
              "E_IO",
              `cannot read ${path}: ${e.message}`,
              "pass a file saved with `rekindle observe --json > file`"
            )
          )
        )
      return yield* decodeSignals(text).pipe(
        Effect.mapError((e) =>
          Engine.fail(
            "E_USAGE",
            `${path} is not a signals snapshot: ${e.message.split("\n")[0]}`,
            "save one with `rekindle observe --json > file`; its shape is `rekindle schema signals`"
          )
        )
      )
    })
  )

/** The `plan` command. */
export const plan = Command.make(
  "plan",
  {
    batch: batchArg,
    signals: Flag.String("signals").pipe(
      Flag.withDescription("Replay a snapshot saved by `rekindle observe --json` (no live calls)"),
      Flag.optional
    ),
    force: forceFlag
  },
  Effect.fn("cli.plan")(function* ({ batch, signals, force }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const file = Option.getOrUndefined(signals)
    const report =
      file === undefined
        ? yield* t.run(Engine.plan({ repoRoot: t.repoRoot, batchId: t.batchId }, { force }))
        : Engine.planFromSnapshot(t.state, yield* readSnapshot(ctx, t, file), { force })
    const source = file === undefined ? "live" : "snapshot"
    yield* emit(
      ctx,
      () => jsonDocument(PlanOutput, planJson(report, source)),
      () => renderPlan(ctx.out, report, source)
    )
  })
).pipe(
  Command.withShortDescription("What resume would do, per task and as ordered steps"),
  Command.withDescription(
    "Show what `rekindle resume` would do: per task the action, age and reason, then the ordered steps. Read-only."
  ),
  Command.withExamples([
    { command: "rekindle plan", description: "observe live and decide" },
    { command: "rekindle plan --json", description: "the plan as JSON (`rekindle schema plan`)" },
    {
      command: "rekindle plan --signals signals.json",
      description: "replay a snapshot saved by `rekindle observe --json`"
    }
  ])
)
