/**
 * The persisted batch state document (`<repo>/.rekindle/<batchId>/state.json`), version 1.
 *
 * One Schema decodes the file, encodes it back, and generates property-test inputs. Unknown top-level
 * fields are carried through decode → encode so a newer writer's additions are not destroyed.
 */
import * as Schema from "effect/Schema"
import { AgentKind, AgentKindSpec } from "./AgentSpec.ts"
import { BatchId, Count, LaneId, ProcessIdentity, TaskId, Timestamp } from "./Ids.ts"
import { TaskWaiting } from "./Waiting.ts"

/** The current state document version. */
export const STATE_VERSION = 1 as const

/** Batch lifecycle phase. `idle` is accepted for states imported from other orchestrators. */
export const Phase = Schema.Literals([
  "planning",
  "executing",
  "merging",
  "paused",
  "stopped",
  "failed",
  "completed",
  "idle"
])
/** @see Phase */
export type Phase = typeof Phase.Type

/** Persisted task status. */
export const TaskStatus = Schema.Literals([
  "pending",
  "running",
  "succeeded",
  "failed",
  "stalled",
  "skipped",
  "blocked"
])
/** @see TaskStatus */
export type TaskStatus = typeof TaskStatus.Type

/** Statuses after which a task never runs again without an explicit restart. */
export const TERMINAL_STATUSES: ReadonlyArray<TaskStatus> = ["succeeded", "failed", "skipped"]

export { AgentKind } from "./AgentSpec.ts"

/** One entry of a task's history: why it was (re)launched, failed or held. */
export const TaskEvent = Schema.Struct({
  at: Timestamp,
  event: Schema.String,
  reason: Schema.String
})
/** @see TaskEvent */
export type TaskEvent = typeof TaskEvent.Type

/** A task as persisted. Optional facts are absent until known (never `null`). */
export const Task = Schema.Struct({
  id: TaskId,
  status: TaskStatus,
  dependsOn: Schema.Array(TaskId),
  agent: AgentKind,
  prompt: Schema.String,
  /** argv for `shell` agents (never a shell string). */
  command: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Extra agent arguments from the manifest (`--model x`), on every launch and relaunch. */
  args: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Extra environment variables for the agent, from the manifest. */
  env: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  lane: Schema.optionalKey(LaneId),
  session: Schema.optionalKey(Schema.String),
  worktree: Schema.optionalKey(Schema.String),
  branch: Schema.optionalKey(Schema.String),
  doneMarker: Schema.optionalKey(Schema.String),
  /** Further files whose existence also means done (an imported orchestrator's other marker places). */
  otherDoneMarkers: Schema.optionalKey(Schema.Array(Schema.String)),
  attempts: Count,
  conversationId: Schema.optionalKey(Schema.String),
  /** Identity of the agent process rekindle launched (pane pid + start time). */
  agentProcess: Schema.optionalKey(ProcessIdentity),
  startedAt: Schema.optionalKey(Timestamp),
  endedAt: Schema.optionalKey(Timestamp),
  exitReason: Schema.optionalKey(Schema.String),
  exitStatus: Schema.optionalKey(Schema.Finite.check(Schema.isInt())),
  /**
   * Who made the task's worktree and branch, and so who may remove them: `rekindle` (it created them
   * when it launched the task) or `host` (an imported orchestrator's; never removed, its branch never
   * deleted). Absent in states written before the field existed: see `rekindleMadeWorktree` (Naming.ts).
   */
  worktreeOwner: Schema.optionalKey(Schema.Literals(["rekindle", "host"])),
  /** Set when the worktree was deliberately archived (told apart from a missing one). */
  worktreeArchived: Schema.optionalKey(Schema.Boolean),
  /** Earliest time of the next relaunch (crash-loop back-off). */
  nextAttemptAt: Schema.optionalKey(Timestamp),
  /**
   * The agent is stopped at a screen that blocks its work (core/domain/Waiting.ts): shown as `waiting`; the persisted
   * status stays `running` (its agent is alive: resume reconnects it) and the stall timeout does not apply meanwhile.
   */
  waiting: Schema.optionalKey(TaskWaiting),
  history: Schema.optionalKey(Schema.Array(TaskEvent))
})
/** @see Task (an interface, so hovers name it) */
export interface Task extends TaskType {}
type TaskType = typeof Task.Type

/** A lane: a slot of parallel work whose branch is merged into the base branch after its wave. */
export const Lane = Schema.Struct({
  id: LaneId,
  wave: Count,
  tasks: Schema.Array(TaskId),
  branch: Schema.optionalKey(Schema.String),
  session: Schema.optionalKey(Schema.String),
  worktree: Schema.optionalKey(Schema.String)
})
/** @see Lane */
export type Lane = typeof Lane.Type

/** Outcome of one merge attempt. */
export const MergeStatus = Schema.Literals(["succeeded", "failed", "conflict"])
/** @see MergeStatus */
export type MergeStatus = typeof MergeStatus.Type

/**
 * One merge-ledger record. Records are appended, never edited: for each (wave, lane) the latest record
 * decides. A record without `lane` speaks for every lane of its wave.
 */
export const MergeRecord = Schema.Struct({
  wave: Count,
  lane: Schema.optionalKey(LaneId),
  status: MergeStatus,
  at: Timestamp,
  commit: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String)
})
/** @see MergeRecord */
export type MergeRecord = typeof MergeRecord.Type

/** The supervisor lease as recorded in state (the lease file is the authority; this is the copy). */
export const Lease = Schema.Struct({
  owner: ProcessIdentity,
  acquiredAt: Timestamp,
  renewedAt: Timestamp
})
/** @see Lease */
export type Lease = typeof Lease.Type

/** A byte checkpoint into a task's pane log: everything before `offset` was read as whole lines. */
export const LogCheckpoint = Schema.Struct({
  offset: Count,
  updatedAt: Timestamp
})
/** @see LogCheckpoint */
export type LogCheckpoint = typeof LogCheckpoint.Type

/** Prompt-ledger status: intent written before sending, sent after, confirmed when seen. */
export const PromptStatus = Schema.Literals(["intent", "sent", "confirmed", "lost"])
/** @see PromptStatus */
export type PromptStatus = typeof PromptStatus.Type

/**
 * How a prompt reaches its agent: absent, typed into the pane (`send-keys`); `argv`, passed in the agent's
 * launch argv (the continuation turn of an exact-conversation relaunch), so it cannot sit typed and unsubmitted.
 */
export const PromptDelivery = Schema.Literal("argv")
/** @see PromptDelivery */
export type PromptDelivery = typeof PromptDelivery.Type

/** One prompt delivery (nudge, answer, follow-up) keyed for at-most-once delivery. */
export const PromptEntry = Schema.Struct({
  key: Schema.String,
  taskId: TaskId,
  text: Schema.String,
  status: PromptStatus,
  at: Timestamp,
  delivery: Schema.optionalKey(PromptDelivery),
  /**
   * The size of the task's pane log when the intent was written: only what the pane printed after it can be this
   * prompt's delivery (the same text typed earlier, or printed by the agent, is not).
   */
  logOffset: Schema.optionalKey(Count)
})
/** @see PromptEntry */
export type PromptEntry = typeof PromptEntry.Type

/** A recorded batch-level error. */
export const BatchError = Schema.Struct({
  at: Timestamp,
  code: Schema.String,
  message: Schema.String,
  taskId: Schema.optionalKey(TaskId)
})
/** @see BatchError */
export type BatchError = typeof BatchError.Type

/**
 * Who merges a finished wave's lanes: `rekindle` (default), `host` (the orchestrator that owns the
 * batch merges in its own way), `never` (nothing is merged). Only `rekindle` lets rekindle merge.
 */
export const MergePolicy = Schema.Literals(["rekindle", "host", "never"])
/** @see MergePolicy */
export type MergePolicy = typeof MergePolicy.Type

/** Batch options captured at start (so a resume never re-reads config). */
export const BatchOptions = Schema.Struct({
  maxLanes: Count,
  failurePolicy: Schema.Literals(["stop-all", "stop-wave", "skip-dependents"]),
  mergeFailurePolicy: Schema.Literals(["pause", "abort"]),
  stallTimeoutMs: Count,
  relaunchCap: Count,
  /** How many tasks a recovery plan relaunches at once (absent: 1). */
  relaunchConcurrency: Schema.optionalKey(Count),
  tmuxSocket: Schema.optionalKey(Schema.String),
  /** Absent = true (docs/agents.md#first-run-screens). */
  trustRepository: Schema.optionalKey(Schema.Boolean),
  /** The manifest's `options.notify` argv (core/domain/Notification.ts). */
  notify: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Who merges (absent: rekindle). */
  mergePolicy: Schema.optionalKey(MergePolicy),
  /** The manifest's own agent kinds (`options.agents`): they win over the built-in table for this batch. */
  agents: Schema.optionalKey(Schema.Array(AgentKindSpec))
})
/** @see BatchOptions */
export type BatchOptions = typeof BatchOptions.Type

/** The known fields of a version-1 state document (closed: used to generate test inputs). */
export const BatchStateFields = Schema.Struct({
  version: Schema.Literal(STATE_VERSION),
  batchId: BatchId,
  phase: Phase,
  repoRoot: Schema.String,
  /** The branch checked out when the batch started: merges target it, never the current checkout. */
  baseBranch: Schema.String,
  baseCommit: Schema.optionalKey(Schema.String),
  /** Task ids per wave, in execution order. */
  waves: Schema.Array(Schema.Array(TaskId)),
  tasks: Schema.Array(Task),
  lanes: Schema.Array(Lane),
  merges: Schema.Array(MergeRecord),
  counters: Schema.Record(Schema.String, Count),
  errors: Schema.Array(BatchError),
  lease: Schema.optionalKey(Lease),
  logCheckpoints: Schema.Record(TaskId, LogCheckpoint),
  prompts: Schema.Array(PromptEntry),
  options: Schema.optionalKey(BatchOptions),
  /**
   * Imported batches only: the directory the host orchestrator keeps its worktrees in when that is
   * outside the repo (multiclaude's `~/.multiclaude/wts/<repo>`); task worktrees may lie inside it.
   */
  worktreeRoot: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^\/[^\0]*[^/\0]$/))),
  /** Imported batches only: where the batch came from (`source`, plus the adapter's provenance). */
  importedFrom: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** The absolute path of the manifest the batch was started from (`run` refuses a second unfinished batch of it). */
  manifest: Schema.optionalKey(Schema.String),
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/** Whether rekindle itself merges this batch's lanes (its merge policy is `rekindle`, the default). */
export const rekindleMerges = (state: { readonly options?: BatchOptions | undefined }): boolean =>
  (state.options?.mergePolicy ?? "rekindle") === "rekindle"

/**
 * The state document: known fields plus any unknown top-level fields (a newer writer's), preserved
 * verbatim from decode to encode — at run time only: the type is closed, so a misspelt field
 * (`s.phse`) does not compile.
 */
export const BatchState = Schema.StructWithRest(BatchStateFields, [Schema.Record(Schema.String, Schema.Unknown)])
/**
 * @see BatchState — an interface (not an alias of the Schema's type), so hovers and declarations name
 * it instead of spelling out every field.
 */
export interface BatchState extends BatchStateType {}
type BatchStateType = typeof BatchStateFields.Type
