/**
 * Turning engine reports into the documented `--json` documents (render/Shapes.ts): absent facts
 * become `null`, and every document is encoded through its Schema before it is printed, so the
 * output cannot drift from `rekindle schema <name>`. Pure.
 */
import * as Schema from "effect/Schema"
import type { PlanReport } from "../../core/engine/usecases/Plan.ts"
import type { RepairReport } from "../../core/engine/usecases/Repair.ts"
import type { ResumeResult } from "../../core/engine/usecases/Resume.ts"
import type { StatusReport } from "../../core/engine/usecases/Status.ts"
import type { EngineError } from "../../core/engine/support/Errors.ts"
import type { ErrorOutput, PlanOutput, RepairOutput, ResumeOutput, StatusOutput } from "./Shapes.ts"

/** Encode `value` with `schema` and print it as one JSON document (2-space indented). */
export const jsonDocument = <S extends Schema.Top>(schema: S, value: S["Type"]): string =>
  JSON.stringify(Schema.encodeUnknownSync(schema as unknown as Schema.Codec<unknown, unknown>)(value), null, 2)

/** The same, on one line (the background supervisor's readiness protocol). */
export const jsonLine = <S extends Schema.Top>(schema: S, value: S["Type"]): string =>
  JSON.stringify(Schema.encodeUnknownSync(schema as unknown as Schema.Codec<unknown, unknown>)(value))

/** `status --json`. */
export const statusJson = (r: StatusReport): StatusOutput => ({
  batchId: r.batchId,
  phase: r.phase,
  baseBranch: r.baseBranch,
  waves: r.waves,
  observedAt: r.observedAt,
  lease: r.lease ?? null,
  supervisor:
    r.lease === undefined
      ? null
      : {
          pid: r.lease.owner.pid,
          host: r.lease.owner.host,
          liveness: r.supervisor ?? "unknown",
          renewedAgoMs: r.observedAt - r.lease.renewedAt
        },
  counts: r.counts,
  launchingPaused: r.launchingPaused ?? false,
  openRequests: r.openRequests ?? [],
  tasks: r.tasks.map((t) => ({
    id: t.id,
    status: t.status,
    wave: t.wave === undefined ? null : t.wave + 1,
    session: t.session,
    agent: t.agent,
    attempts: t.attempts,
    ageMs: t.ageMs ?? null,
    lastOutputAgoMs: t.lastOutputAgoMs ?? null,
    exitReason: t.exitReason ?? null,
    sessionName: t.sessionName ?? null,
    worktree: t.worktree ?? null,
    branch: t.branch ?? null,
    ...(t.screen === undefined
      ? {}
      : { waiting: { screen: t.screen.screen, how: t.screen.how, lines: t.screen.lines } })
  }))
})

/** `plan --json`. */
export const planJson = (r: PlanReport, source: "live" | "snapshot"): PlanOutput => ({
  batchId: r.state.batchId,
  phase: r.state.phase,
  source,
  observedAt: r.signals.observedAt,
  eligibility: r.eligibility,
  decisions: r.decisions,
  resumePoint: r.resumePoint,
  plan: r.plan,
  ...(r.configChanges === undefined ? {} : { configChanges: r.configChanges }),
  ...(r.waiting === undefined ? {} : { waiting: r.waiting })
})

/** `resume --json` / `restart --json`. */
export const resumeJson = (r: ResumeResult): ResumeOutput => ({
  batchId: r.state.batchId,
  outcome: r.outcome,
  message: r.message,
  phase: r.state.phase,
  recovered: r.recovered,
  journalTornTail: r.journalTornTail,
  steps: r.applied
})

/** `repair --json`. */
export const repairJson = (r: RepairReport, applied: boolean): RepairOutput => ({
  batches: r.batches,
  dryRun: r.dryRun,
  applied,
  removals: r.removals,
  orphans: r.orphans,
  steps: r.steps
})

/** The `--json` error document. */
export const errorJson = (
  e: Pick<EngineError, "message" | "hint" | "details"> & { readonly code: ErrorOutput["error"]["code"] }
): ErrorOutput => ({
  error: { code: e.code, message: e.message, hint: e.hint, ...(e.details === undefined ? {} : { details: e.details }) }
})
