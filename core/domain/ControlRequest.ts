/**
 * Control requests: how a command (`abort`, `restart`, `pause`, `continue`, `send`) reaches the live
 * supervisor of a batch. The command writes one request file under `.rekindle/<batch>/requests/`;
 * the supervisor's wave loop reads it each tick, marks it `accepted`, carries it out through the
 * journaled steps and marks it `done` or `failed` with the outcome, all in that same file. A crash
 * between `accepted` and `done` leaves the request `accepted`: the next supervisor asks
 * {@link decideRequest} again, which recognises the effect that already landed (the relaunched
 * attempt, the prompt in the ledger, the stopped phase) and completes the request without doing it twice.
 */
import * as Schema from "effect/Schema"
import { Count, SAFE_ID_PATTERN, TaskId, Timestamp } from "./Ids.ts"
import type { BatchState } from "./State.ts"

/** What a request asks the supervisor to do. */
export const ControlAction = Schema.Literals(["abort", "restart", "pause", "continue", "send"])
/** @see ControlAction */
export type ControlAction = typeof ControlAction.Type

/** Where a request stands: written → accepted (being carried out) → done or failed. */
export const RequestStatus = Schema.Literals(["pending", "accepted", "done", "failed"])
/** @see RequestStatus */
export type RequestStatus = typeof RequestStatus.Type

/** A request id: sortable by creation time (`<ms>-<random>`), safe as a file name. */
const RequestId = Schema.String.check(Schema.isPattern(SAFE_ID_PATTERN))

/** One request file (`requests/<id>.json`). */
export const ControlRequest = Schema.Struct({
  id: RequestId,
  action: ControlAction,
  /** restart, send: the task. */
  taskId: Schema.optionalKey(TaskId),
  /** send: the text typed into the task's pane. */
  text: Schema.optionalKey(Schema.String),
  /** abort: stop at once, no wrap-up grace. */
  hard: Schema.optionalKey(Schema.Boolean),
  /** abort: how long agents get to wrap up (ms). */
  graceMs: Schema.optionalKey(Count),
  requestedAt: Timestamp,
  status: RequestStatus,
  /** restart: the task's attempts when the request was accepted (a higher count means the relaunch landed). */
  attemptsAtAccept: Schema.optionalKey(Count),
  acceptedAt: Schema.optionalKey(Timestamp),
  finishedAt: Schema.optionalKey(Timestamp),
  /** What happened, in words (done or failed). */
  outcome: Schema.optionalKey(Schema.String)
})
/** @see ControlRequest */
export type ControlRequest = typeof ControlRequest.Type

/** The one next step for a request. */
type RequestDecision =
  | { readonly _tag: "Ignore" }
  | { readonly _tag: "Execute" }
  | { readonly _tag: "Complete"; readonly outcome: string }
  | { readonly _tag: "Reject"; readonly outcome: string }

/** The prompt-ledger key of a `send` request: one key per request, so one request types its text at most once. */
export const requestPromptKey = (request: ControlRequest): string => `request:${request.id}`

const isFinal = (r: ControlRequest) => r.status === "done" || r.status === "failed"

/**
 * What to do with `request` given the batch `state` and the wave the supervisor runs (`wave`,
 * 0-based; undefined outside the wave loop). Total: every request gets exactly one answer.
 */
export const decideRequest = (request: ControlRequest, state: BatchState, wave?: number): RequestDecision => {
  if (isFinal(request)) return { _tag: "Ignore" }
  switch (request.action) {
    case "pause":
    case "continue":
      return { _tag: "Execute" }
    case "abort":
      return state.phase === "stopped"
        ? { _tag: "Complete", outcome: `batch ${state.batchId} is stopped` }
        : { _tag: "Execute" }
    case "restart":
    case "send": {
      const task = state.tasks.find((t) => t.id === request.taskId)
      if (task === undefined)
        return { _tag: "Reject", outcome: `no task ${request.taskId ?? "(none)"} in batch ${state.batchId}` }
      if (request.action === "send") {
        const entry = state.prompts.find((p) => p.key === requestPromptKey(request))
        if (entry?.status === "confirmed") return { _tag: "Complete", outcome: `typed into ${task.id}'s pane` }
        if (entry?.status === "lost")
          return { _tag: "Reject", outcome: `the text was sent to ${task.id} but never seen; it is not typed again` }
        if (entry === undefined && task.status !== "running" && task.status !== "stalled")
          return { _tag: "Reject", outcome: `task ${task.id} is ${task.status}: no agent to type into` }
        return { _tag: "Execute" }
      }
      if (request.status === "accepted" && task.attempts > (request.attemptsAtAccept ?? task.attempts))
        return { _tag: "Complete", outcome: `relaunched ${task.id} (attempt ${task.attempts})` }
      const taskWave = state.waves.findIndex((ids) => ids.includes(task.id))
      if (wave !== undefined && taskWave > wave)
        return { _tag: "Reject", outcome: `task ${task.id} is in wave ${taskWave + 1}, which has not started yet` }
      if (wave !== undefined && taskWave < wave)
        return { _tag: "Reject", outcome: `task ${task.id} is in wave ${taskWave + 1}, which has already ended` }
      if (task.worktree === undefined)
        return { _tag: "Reject", outcome: `task ${task.id} has no worktree yet: nothing to restart` }
      return { _tag: "Execute" }
    }
  }
}

/**
 * Whether launching is paused: the latest finished `pause` or `continue` request decides (by
 * finish time, then id). A pause outlives the supervisor that carried it out, in its file.
 */
export const launchingPaused = (requests: ReadonlyArray<ControlRequest>): boolean => {
  const last = requests
    .filter((r) => r.status === "done" && (r.action === "pause" || r.action === "continue"))
    .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .at(-1)
  return last?.action === "pause"
}

/** Requests still to be carried out, oldest first (ids sort by creation time). */
export const openRequests = (requests: ReadonlyArray<ControlRequest>): ReadonlyArray<ControlRequest> =>
  requests.filter((r) => !isFinal(r)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
