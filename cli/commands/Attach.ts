/**
 * `rekindle attach <task>`: look at a task's agent in its tmux session (`tmux attach`, or
 * `switch-client` when already inside that server). `--json` prints the command instead of running
 * it (a script cannot attach).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { context, emit } from "../Root.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { AttachOutput } from "../render/Shapes.ts"
import { afterAttach, attachNow, attachTarget, findTask } from "../shared/Attaching.ts"
import { batchFlag, taskArg } from "../shared/Args.ts"

/** The `attach` command. */
export const attach = Command.make(
  "attach",
  { task: taskArg, batch: batchFlag },
  Effect.fn("cli.attach")(function* ({ task, batch }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const found = yield* findTask(t.state, task)
    const { session, argv } = yield* t.run(attachTarget(ctx, t.state, found, t.socket))
    if (ctx.json) {
      return yield* emit(
        ctx,
        () => jsonDocument(AttachOutput, { batchId: t.batchId, taskId: task, session, command: argv }),
        () => []
      )
    }
    if (!ctx.env.stdinIsTTY || !ctx.env.stdoutIsTTY) {
      return yield* Engine.fail(
        "E_USAGE",
        "attach needs a terminal (stdin and stdout)",
        `run it from a terminal: ${argv.join(" ")}`,
        { command: argv }
      )
    }
    yield* attachNow(ctx, argv)
    yield* afterAttach(ctx, t.run, { repoRoot: t.repoRoot, batchId: t.batchId }, task)
  })
).pipe(
  Command.withShortDescription("Attach to a task's tmux session"),
  Command.withDescription("Attach to a task's tmux session (switch-client when already inside that tmux server)."),
  Command.withExamples([
    { command: "rekindle attach fix-login", description: "look at the agent; detach with C-b d" },
    { command: "rekindle attach fix-login --json", description: "print the tmux command instead" }
  ])
)
