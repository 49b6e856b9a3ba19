/**
 * `rekindle send <task> <text>`: type a message into a task's agent pane (literally, `send-keys -l`,
 * then Enter) through the at-most-once prompt ledger, keyed by the request: a crash anywhere never
 * types it twice. Handed to the live supervisor when one runs; otherwise done here under the lease.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Argument, Command } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { batchFlag, taskArg } from "../shared/Args.ts"
import { findTask } from "../shared/Attaching.ts"
import { carryOut } from "../shared/Control.ts"
import { target } from "../shared/Target.ts"
import { context } from "../Root.ts"

/** The `send` command. */
export const send = Command.make(
  "send",
  {
    task: taskArg,
    text: Argument.String("text").pipe(Argument.withDescription("The message, typed as is and submitted with Enter")),
    batch: batchFlag
  },
  Effect.fn("cli.send")(function* ({ task, text, batch }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    yield* findTask(t.state, task)
    if (text.trim() === "")
      return yield* Engine.fail(
        "E_USAGE",
        "the message is empty",
        'give the text to type, e.g. `rekindle send fix-login "use the v2 API"`'
      )
    yield* carryOut(ctx, t, { action: "send", taskId: task, text }, 60_000)
  })
).pipe(
  Command.withShortDescription("Type a message into a task's agent"),
  Command.withDescription(
    "Type a message into a running task's agent pane and submit it, at most once (the prompt ledger). Handed to the batch's supervisor when one runs."
  ),
  Command.withExamples([
    { command: 'rekindle send fix-login "use the v2 endpoint"', description: "answer an agent that waits for input" }
  ])
)
