/**
 * `rekindle events [batch]`: the batch's events (a task waiting for input, failed, stalled or
 * succeeded; the batch's end), one JSON line each — the same lines the manifest's `options.notify`
 * program receives. `--follow` keeps printing new ones while a supervisor runs the batch.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { LogTail } from "../../core/ports/LogTail.ts"
import type { LeaseStore } from "../../core/ports/Lease.ts"
import type { ProcessTable } from "../../core/ports/ProcessTable.ts"
import { batchArg } from "../shared/Args.ts"
import { followLog, readTail } from "../shared/LogReading.ts"
import { target } from "../shared/Target.ts"
import { context } from "../Root.ts"

/** The `events` command. */
export const events = Command.make(
  "events",
  {
    batch: batchArg,
    follow: Flag.Boolean("follow").pipe(
      Flag.withAlias("f"),
      Flag.withDescription("Keep printing new events while a supervisor runs the batch"),
      Flag.withDefault(false)
    )
  },
  Effect.fn("cli.events")(function* ({ batch, follow }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    const path = Engine.eventsPath(t.repoRoot, t.batchId)
    const tail = yield* t.run(readTail(path, 64 << 20))
    if (tail.text !== "") yield* Console.log(tail.text.endsWith("\n") ? tail.text.slice(0, -1) : tail.text)
    if (!follow) return
    const ref = { repoRoot: t.repoRoot, batchId: t.batchId }
    yield* t.run(
      Effect.gen(function* () {
        const tailer = yield* LogTail
        // Followed while a live supervisor holds the batch: only a supervisor publishes events.
        const context = yield* Effect.context<LeaseStore | ProcessTable>()
        const supervised = Effect.map(
          Engine.liveSupervisor(ref).pipe(
            Effect.orElseSucceed(() => undefined),
            Effect.provideContext(context)
          ),
          (owner) => owner !== undefined
        )
        yield* followLog(tailer, path, tail.size, supervised, (line) => Console.log(line))
      })
    )
  })
).pipe(
  Command.withShortDescription("The batch's events as JSON lines (--follow)"),
  Command.withDescription(
    "Print the batch's events, one JSON line each (`rekindle schema event`): a task waiting for input, failed, stalled or succeeded, and the batch's end — the lines `options.notify` receives. --follow keeps printing while a supervisor runs the batch."
  ),
  Command.withExamples([
    { command: "rekindle events", description: "every event so far" },
    { command: "rekindle events -f | jq -r .kind", description: "follow them" }
  ])
)
