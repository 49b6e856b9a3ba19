/**
 * `rekindle abort [batch]`: stop the batch's agents and mark it stopped, keeping worktrees, branches
 * and state. Graceful by default (agents get a wrap-up request and a grace period); `--hard` stops
 * at once and asks first (or needs `--yes`).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import * as Engine from "../../core/engine/index.ts"
import { confirm } from "../shared/Confirm.ts"
import { context, emit, next } from "../Root.ts"
import { nextStep } from "../render/Next.ts"
import { target } from "../shared/Target.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderAbort } from "../render/Reports.ts"
import { AbortOutput } from "../render/Shapes.ts"
import { batchArg, yesFlag } from "../shared/Args.ts"
import { handOver } from "../shared/Control.ts"

/** The `abort` command. */
export const abort = Command.make(
  "abort",
  {
    batch: batchArg,
    hard: Flag.Boolean("hard").pipe(
      Flag.withDescription("Stop every session now, without a wrap-up grace period (asks first)"),
      Flag.withDefault(false)
    ),
    grace: Flag.Int("grace").pipe(
      Flag.withDescription("Seconds a graceful abort waits for agents to wrap up"),
      Flag.withDefault(30)
    ),
    yes: yesFlag
  },
  Effect.fn("cli.abort")(function* ({ batch, hard, grace, yes }) {
    const ctx = yield* context
    const t = yield* target(ctx, Option.getOrUndefined(batch))
    yield* confirm(ctx, {
      needed: hard,
      yes,
      question: `hard-abort batch ${t.batchId}? Every agent is stopped at once (worktrees and state are kept)`,
      command: "abort",
      batchId: t.batchId
    })
    // A live supervisor carries the abort out itself (it would refuse us its lease): hand it over.
    const handed = yield* handOver(
      ctx,
      t,
      { action: "abort", hard, graceMs: Math.max(0, grace) * 1000 },
      (grace + 60) * 1000
    )
    if (handed !== undefined)
      return yield* next(ctx, nextStep(yield* t.run(Engine.loadState({ repoRoot: t.repoRoot, batchId: t.batchId }))))
    const r = yield* t.run(
      Engine.abort({ repoRoot: t.repoRoot, batchId: t.batchId }, { hard, graceMs: Math.max(0, grace) * 1000 })
    )
    const out = { batchId: r.batchId, hard: r.hard, stopped: r.stopped }
    yield* emit(
      ctx,
      () => jsonDocument(AbortOutput, out),
      () => renderAbort(ctx.out, out)
    )
    yield* next(ctx, nextStep(yield* t.run(Engine.loadState({ repoRoot: t.repoRoot, batchId: t.batchId }))))
  })
).pipe(
  Command.withShortDescription("Stop a batch's agents, keep its work"),
  Command.withDescription(
    "Stop a batch's agents and mark it stopped; worktrees, branches and state are kept (`resume --force` continues it). " +
      "When a supervisor runs the batch, the abort is handed to it and this command waits for its answer."
  ),
  Command.withExamples([
    { command: "rekindle abort", description: "ask agents to wrap up, wait up to 30 s, then stop them" },
    { command: "rekindle abort --hard --yes", description: "stop everything now, no question" }
  ])
)
