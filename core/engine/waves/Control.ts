/**
 * The supervisor's side of control requests (core/domain/ControlRequest.ts): each tick of the wave
 * loop reads the request directory and carries out every open request in order. A request is marked
 * `accepted` before anything is done and `done`/`failed` after, and every effect goes through a
 * journaled step or the prompt ledger, so a supervisor killed in between leaves an `accepted`
 * request the next supervisor finishes exactly once (`decideRequest` recognises what landed).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import {
  type ControlRequest,
  decideRequest,
  launchingPaused,
  openRequests,
  requestPromptKey
} from "../../domain/ControlRequest.ts"
import { reconcile } from "../../domain/Reconcile.ts"
import { planRestart } from "../../domain/Recovery.ts"
import { applyPlan } from "../apply/ApplyPlan.ts"
import { crashPoint } from "../apply/CrashPoints.ts"
import { record } from "../apply/Journaled.ts"
import { type Applying, findTask } from "../apply/PlanContext.ts"
import { stopBatch } from "../usecases/Abort.ts"
import type { EngineError } from "../support/Errors.ts"
import { observe } from "../support/Observe.ts"
import { deliverPrompt } from "../support/Prompts.ts"
import { readRequests, writeRequest } from "../support/Requests.ts"
import { ExecutorSettings } from "./WaveSettings.ts"

/** What the wave loop does after a round of requests. */
interface ControlPass {
  /** Launch nothing new (a pause is in force). */
  readonly paused: boolean
  /** The batch was aborted: stop the wave loop, finish nothing. */
  readonly aborted: boolean
}

const settle = (ctx: Applying, request: ControlRequest, status: "done" | "failed", outcome: string) =>
  Effect.gen(function* () {
    const finishedAt = yield* Clock.currentTimeMillis
    yield* writeRequest(ctx.paths, { ...request, status, outcome, finishedAt })
    const s = yield* ctx.current
    yield* record(ctx.paths.journal, {
      key: `${s.batchId}:request:${request.id}`,
      phase: "info",
      kind: `request_${status}`,
      data: { action: request.action, ...(request.taskId === undefined ? {} : { task: request.taskId }), outcome }
    })
  })

/** Carry out one accepted request; returns its outcome and status. */
const execute = (ctx: Applying, request: ControlRequest) =>
  Effect.gen(function* () {
    const state = yield* ctx.current
    switch (request.action) {
      case "pause":
        return { status: "done" as const, outcome: "paused: no new task is launched; running agents go on" }
      case "continue":
        return { status: "done" as const, outcome: "continued: pending tasks are launched again" }
      case "abort": {
        const r = yield* stopBatch(ctx, { hard: request.hard ?? false, graceMs: request.graceMs ?? 30_000 })
        return {
          status: "done" as const,
          outcome: r.stopped.length === 0 ? "stopped: no agent was running" : `stopped ${r.stopped.join(", ")}`
        }
      }
      case "send": {
        const taskId = request.taskId!
        const delivered = yield* deliverPrompt(ctx, {
          taskId,
          key: requestPromptKey(request),
          text: request.text ?? ""
        })
        if (delivered === "lost")
          return { status: "failed" as const, outcome: `the text was sent to ${taskId} but never seen` }
        if (delivered === "waiting") return undefined // the pane is not observable now: next tick
        return { status: "done" as const, outcome: `typed into ${taskId}'s pane` }
      }
      case "restart": {
        const taskId = request.taskId!
        const { graceMs } = yield* ExecutorSettings
        const plan = planRestart(state, reconcile(state, yield* observe(state)), taskId)!
        const result = yield* applyPlan(state, plan, { graceMs })
        yield* ctx.update(() => result.state)
        const t = findTask(result.state, taskId)
        return { status: "done" as const, outcome: `relaunched ${taskId} (attempt ${t?.attempts ?? 0})` }
      }
    }
  })

/** Read and carry out every open request (`wave`: the wave the loop runs, 0-based). */
export const controlPass = Effect.fn("Control.pass")(function* (ctx: Applying, wave?: number) {
  let aborted = false
  for (const open of openRequests(yield* readRequests(ctx.paths))) {
    const state = yield* ctx.current
    const decision = decideRequest(open, state, wave)
    if (decision._tag === "Ignore") continue
    if (decision._tag === "Complete") {
      // An abort completed here had landed already (the batch is stopped): what this process does next was
      // decided after that stop — a `resume --force` goes on; a resume without it was refused before the lease.
      yield* settle(ctx, open, "done", decision.outcome)
      continue
    }
    if (decision._tag === "Reject") {
      yield* settle(ctx, open, "failed", decision.outcome)
      continue
    }
    const now = yield* Clock.currentTimeMillis
    const task = open.taskId === undefined ? undefined : findTask(state, open.taskId)
    const accepted: ControlRequest =
      open.status === "accepted"
        ? open
        : {
            ...open,
            status: "accepted",
            acceptedAt: now,
            ...(task === undefined ? {} : { attemptsAtAccept: task.attempts })
          }
    if (open.status !== "accepted") yield* writeRequest(ctx.paths, accepted)
    yield* crashPoint(`request:accepted:${open.action}`)
    const result = yield* execute(ctx, accepted).pipe(
      Effect.catch((e: EngineError) =>
        Effect.succeed({ status: "failed" as const, outcome: `${e.code}: ${e.message}` })
      )
    )
    if (result === undefined) continue
    yield* settle(ctx, accepted, result.status, result.outcome)
    aborted ||= open.action === "abort" && result.status === "done"
  }
  return { paused: launchingPaused(yield* readRequests(ctx.paths)), aborted } satisfies ControlPass
})
