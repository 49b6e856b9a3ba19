/**
 * `rekindle pause [batch]` and `rekindle continue [batch]`: stop launching new tasks (running agents
 * go on and finish) and start again. Handed to the live supervisor as a request; with none, recorded
 * under the lease so the next supervisor (`rekindle resume`) honours it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command } from "effect/cli"
import { batchArg } from "../shared/Args.ts"
import { carryOut } from "../shared/Control.ts"
import * as Engine from "../../core/engine/index.ts"
import { target } from "../shared/Target.ts"
import { context, note } from "../Root.ts"

const WAIT_MS = 60_000

/** The `pause` command. */
export const pause = Command.make(
  "pause",
  { batch: batchArg },
  Effect.fn("cli.pause")(function* ({ batch }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    yield* carryOut(ctx, t, { action: "pause" }, WAIT_MS)
    if (!ctx.json) yield* note(ctx.err.dim("next: `rekindle continue` launches pending tasks again"))
  })
).pipe(
  Command.withShortDescription("Launch no new task; running agents go on"),
  Command.withDescription(
    "Stop launching new tasks: running agents go on and finish, lanes that finish are merged, nothing pending starts until `rekindle continue`. Handed to the batch's supervisor when one runs."
  ),
  Command.withExamples([{ command: "rekindle pause", description: "hold the batch after its running tasks" }])
)

/** The `continue` command. */
export const continueBatch = Command.make(
  "continue",
  { batch: batchArg },
  Effect.fn("cli.continue")(function* ({ batch }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const r = yield* carryOut(ctx, t, { action: "continue" }, WAIT_MS)
    if (
      !ctx.json &&
      r.status === "done" &&
      (yield* t.run(Engine.liveSupervisor({ repoRoot: t.repoRoot, batchId: t.batchId }))) === undefined
    )
      yield* note(ctx.err.dim("next: no supervisor runs this batch; `rekindle resume` continues it"))
  })
).pipe(
  Command.withShortDescription("Launch pending tasks again after a pause"),
  Command.withDescription(
    "Undo `rekindle pause`: pending tasks are launched again. Handed to the batch's supervisor when one runs; otherwise recorded for the next one (`rekindle resume`)."
  ),
  Command.withExamples([{ command: "rekindle continue", description: "launch pending tasks again" }])
)
