/**
 * `rekindle observe [batch]`: one read-only observation pass. `--json` prints the signals snapshot
 * (`rekindle schema signals`) that `plan --signals <file>` replays. The snapshot is exactly the one
 * `plan` decides on, dirty status of re-execute candidates included, so the replay reproduces it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command } from "effect/cli"
import { Signals } from "../../core/domain/Signals.ts"
import * as Engine from "../../core/engine/index.ts"
import { context, emit } from "../Root.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderSignals } from "../render/Signals.ts"
import { batchArg } from "../shared/Args.ts"

/** The `observe` command. */
export const observe = Command.make(
  "observe",
  { batch: batchArg },
  Effect.fn("cli.observe")(function* ({ batch }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const { signals } = yield* t.run(Engine.planState(t.state))
    yield* emit(
      ctx,
      () => jsonDocument(Signals, signals),
      () => renderSignals(ctx.out, t.state, signals)
    )
  })
).pipe(
  Command.withShortDescription("One observation pass; --json saves a snapshot"),
  Command.withDescription(
    "Observe tmux, processes, worktrees, done markers and transcripts once; --json prints the snapshot. Read-only."
  ),
  Command.withExamples([
    {
      command: "rekindle observe --json > signals.json",
      description: "save a snapshot (for a bug report, or `plan --signals`)"
    }
  ])
)
