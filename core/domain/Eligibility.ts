/**
 * checkEligibility: may this batch be resumed? The phase matrix of DESIGN §4. Every "no" tells the
 * user what to do next.
 */
import * as Schema from "effect/Schema"
import type { BatchState, Phase } from "./State.ts"

/** The answer: eligible, or not with a stable code, a reason and the next step. */
export const Eligibility = Schema.Union([
  Schema.TaggedStruct("Eligible", { forced: Schema.Boolean }),
  Schema.TaggedStruct("Ineligible", {
    code: Schema.Literal("E_NOT_RESUMABLE"),
    phase: Schema.String,
    reason: Schema.String,
    hint: Schema.String
  })
])
/** @see Eligibility */
export type Eligibility = typeof Eligibility.Type

const no = (phase: Phase, reason: string, hint: string): Eligibility => ({
  _tag: "Ineligible",
  code: "E_NOT_RESUMABLE",
  phase,
  reason,
  hint
})

/** Decide whether `state` may be resumed (`force` admits stopped and failed batches). */
export const checkEligibility = (state: BatchState, options: { readonly force: boolean }): Eligibility => {
  switch (state.phase) {
    case "paused":
    case "executing":
    case "merging":
      return { _tag: "Eligible", forced: false }
    case "stopped":
      return options.force
        ? { _tag: "Eligible", forced: true }
        : no(
            "stopped",
            `batch ${state.batchId} was stopped on purpose (abort)`,
            "run `rekindle resume --force` to continue it anyway"
          )
    case "failed": {
      const last = state.errors[state.errors.length - 1]
      return options.force
        ? { _tag: "Eligible", forced: true }
        : no(
            "failed",
            `batch ${state.batchId} failed${last === undefined ? "" : `: ${last.message}`}`,
            "fix the cause, then run `rekindle resume --force`"
          )
    }
    case "completed":
      return no(
        "completed",
        `batch ${state.batchId} already completed`,
        "nothing to resume; start a new batch with `rekindle run`"
      )
    case "idle":
      return no("idle", `batch ${state.batchId} is idle: it never started`, "start it with `rekindle run`")
    case "planning":
      return no(
        "planning",
        `batch ${state.batchId} stopped while planning: no agent was launched`,
        "start it again with `rekindle run`"
      )
  }
}
