/**
 * `rekindle list`: every batch of the repository, newest first — id, phase, age, tasks by status,
 * supervisor and whether it lives. Read-only.
 */
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { context, emit } from "../Root.ts"
import { repoRootOf, runnerFor } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderList } from "../render/List.ts"
import { ListOutput } from "../render/Shapes.ts"

const listJson = (r: Engine.ListReport): ListOutput => ({
  observedAt: r.observedAt,
  batches: r.batches.map((b) => ({
    batchId: b.batchId,
    phase: b.phase,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    counts: b.counts,
    supervisor:
      b.supervisor === undefined
        ? null
        : { pid: b.supervisor.owner.pid, host: b.supervisor.owner.host, liveness: b.supervisor.liveness }
  })),
  unreadable: r.unreadable
})

/** The `list` command. */
export const list = Command.make(
  "list",
  {},
  Effect.fn("cli.list")(function* () {
    const ctx = yield* context
    const repoRoot = yield* repoRootOf(ctx)
    const report = yield* runnerFor(ctx, ctx.socket)(Engine.list(repoRoot))
    yield* emit(
      ctx,
      () => jsonDocument(ListOutput, listJson(report)),
      () => renderList(ctx.out, report)
    )
  })
).pipe(
  Command.withShortDescription("Every batch of the repository: phase, age, tasks, supervisor"),
  Command.withDescription(
    "List every batch of the repository, newest first: its phase, when it last changed, its tasks by status, and its supervisor (alive or dead). Read-only."
  ),
  Command.withExamples([
    { command: "rekindle list", description: "the batches of this repository" },
    { command: "rekindle list --json", description: "as JSON (`rekindle schema list`)" }
  ])
)
