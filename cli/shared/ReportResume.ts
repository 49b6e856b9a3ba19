/**
 * How `resume` and `restart` report their result: the document (text or `--json`), then exit 1 when the
 * resume failed (a relaunch storm), after the document so a script still reads it.
 */
import * as Effect from "effect/Effect"
import type * as Engine from "../../core/engine/index.ts"
import { Reported } from "../Exit.ts"
import { jsonDocument, resumeJson } from "../render/Json.ts"
import { renderResume } from "../render/Reports.ts"
import { ResumeOutput } from "../render/Shapes.ts"
import { emit, next, type Ctx } from "../Root.ts"
import { nextStep } from "../render/Next.ts"

/** Print a resume/restart result; a failed resume (relaunch storm) exits 1 after its document. */
export const reportResume = Effect.fn("cli.reportResume")(function* (ctx: Ctx, r: Engine.ResumeResult) {
  yield* emit(
    ctx,
    () => jsonDocument(ResumeOutput, resumeJson(r)),
    () => renderResume(ctx.out, r)
  )
  yield* next(ctx, nextStep(r.state))
  if (r.outcome === "resume_failed") return yield* new Reported({ exitCode: 1 })
})
