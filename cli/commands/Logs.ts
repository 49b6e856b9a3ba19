/**
 * `rekindle logs <task>`: a task's pane log (`<repo>/.rekindle/<batch>/logs/<task>.log`). Prints the
 * last `--bytes` of it (whole lines); `--follow` keeps printing what is appended until the task's
 * pane has ended and everything was read. Bounded reads through the LogTail port, never the whole file.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { ownershipTag } from "../../core/domain/Naming.ts"
import * as Engine from "../../core/engine/index.ts"
import { batchPaths } from "../../core/domain/Layout.ts"
import { LogTail } from "../../core/ports/LogTail.ts"
import { Tmux } from "../../core/ports/Tmux.ts"
import { context, emit, note } from "../Root.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { LogsOutput } from "../render/Shapes.ts"
import { findTask } from "../shared/Attaching.ts"
import { batchFlag, taskArg } from "../shared/Args.ts"
import { followLog, readTail } from "../shared/LogReading.ts"

/** The `logs` command. */
export const logs = Command.make(
  "logs",
  {
    task: taskArg,
    batch: batchFlag,
    follow: Flag.Boolean("follow").pipe(
      Flag.withAlias("f"),
      Flag.withDescription("Keep printing appended output until the task's pane ends"),
      Flag.withDefault(false)
    ),
    bytes: Flag.Int("bytes").pipe(
      Flag.withDescription("Print at most the last N bytes (whole lines)"),
      Flag.withDefault(1 << 20)
    )
  },
  Effect.fn("cli.logs")(function* ({ task, batch, follow, bytes }) {
    const ctx = yield* context
    if (follow && ctx.json)
      return yield* Engine.fail(
        "E_USAGE",
        "--follow streams text and cannot be one JSON document",
        "drop --json, or drop --follow"
      )
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    yield* findTask(t.state, task)
    const path = batchPaths(t.repoRoot, t.batchId).log(task)
    const tail = yield* t.run(readTail(path, Math.max(1, bytes)))
    if (ctx.json) {
      return yield* emit(
        ctx,
        () => jsonDocument(LogsOutput, { batchId: t.batchId, taskId: task, path, size: tail.size, text: tail.text }),
        () => []
      )
    }
    if (tail.size === 0 && !follow) return yield* note(ctx.err.dim(`no output from ${task} yet (${path})`))
    const lines = tail.text.endsWith("\n") ? tail.text.slice(0, -1) : tail.text
    if (tail.text !== "") yield* Console.log(lines)
    if (!follow) return
    const tag = ownershipTag(t.batchId, task)
    yield* t.run(
      Effect.gen(function* () {
        const tmux = yield* Tmux
        const tailer = yield* LogTail
        // Unknown tmux: keep following (nothing may be concluded dead).
        const paneAlive = Effect.map(
          tmux.snapshot,
          (snap) =>
            snap.state === "unknown" || (snap.state === "up" && snap.panes.some((p) => p.taskTag === tag && !p.dead))
        )
        yield* followLog(tailer, path, tail.size, paneAlive, (line) => Console.log(line))
      })
    )
  })
).pipe(
  Command.withShortDescription("Print (or follow) a task's output log"),
  Command.withDescription("Print a task's output log; --follow keeps printing until its pane ends."),
  Command.withExamples([
    { command: "rekindle logs fix-login", description: "the last MiB of the log" },
    { command: "rekindle logs fix-login -f", description: "follow it" }
  ])
)
