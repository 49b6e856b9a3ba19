/**
 * Ctrl-C during a foreground `run` or `resume`: the agents live on in tmux (they are not this
 * process's children), so the user is told what still runs and how to take the batch over — one JSON
 * document with `--json` (`rekindle schema interrupted`). The exit code stays 130.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { loadState } from "../../core/engine/support/StateIO.ts"
import { jsonDocument } from "../render/Json.ts"
import { InterruptedOutput } from "../render/Shapes.ts"
import type { Ctx } from "../Root.ts"
import type { Runner } from "./Target.ts"

/** Run `work`; when Ctrl-C interrupts it, report the batch as it was left. */
export const reportCtrlC =
  (ctx: Ctx, run: Runner, ref: { readonly repoRoot: string; readonly batchId: string }) =>
  <A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.onInterrupt(work, () =>
      Effect.gen(function* () {
        const state = yield* run(loadState(ref)).pipe(Effect.option)
        const running =
          state._tag === "None"
            ? []
            : state.value.tasks.filter((t) => t.status === "running" || t.status === "stalled").map((t) => t.id)
        const out = {
          interrupted: true as const,
          batchId: ref.batchId,
          phase: state._tag === "None" ? null : state.value.phase,
          running,
          resume: `rekindle resume ${ref.batchId}`
        }
        if (ctx.json) return yield* Console.log(jsonDocument(InterruptedOutput, out))
        yield* Console.error(
          [
            "",
            `interrupted: batch ${ref.batchId}${out.phase === null ? "" : ` is ${out.phase}`}; no supervisor runs it now`,
            running.length === 0
              ? "no agent was running"
              : `still running in tmux (their agents go on): ${running.join(", ")}`,
            ctx.err.dim(
              `next: \`rekindle resume ${ref.batchId}\` takes the batch over; \`rekindle abort ${ref.batchId}\` stops the agents`
            )
          ].join("\n")
        )
      }).pipe(Effect.ignore)
    )
