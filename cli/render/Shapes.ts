/**
 * The documented, stable `--json` output of every command, as Schemas: the CLI encodes each
 * document through its Schema (so the shape cannot drift from the documentation), and
 * `rekindle schema <name>` prints the JSON Schema. Absent facts are `null`, never missing keys.
 * Adding a field is compatible; renaming or removing one is not.
 */
import * as Schema from "effect/Schema"
import { TaskDecision, ResumePoint, SessionEvidence, AgentEvidence } from "../../core/domain/Decision.ts"
import { Eligibility } from "../../core/domain/Eligibility.ts"
import { Count, Timestamp } from "../../core/domain/Ids.ts"
import { Orphan } from "../../core/domain/Orphans.ts"
import { Plan, PlanStep } from "../../core/domain/Plan.ts"
import { BatchState, Lease, MergePolicy, Phase, TaskStatus } from "../../core/domain/State.ts"
import { Manifest } from "../../core/domain/Manifest.ts"
import { Signals } from "../../core/domain/Signals.ts"
import { ErrorCode } from "../../core/engine/support/Errors.ts"
import { ControlRequest } from "../../core/domain/ControlRequest.ts"
import { BatchEvent } from "../../core/domain/Notification.ts"
import { ShownStatus } from "../../core/domain/ShownStatus.ts"

/** Every failure: `{ "error": { code, message, hint, details? } }` on stdout (exit 1, or 2 for E_USAGE). */
export const ErrorOutput = Schema.Struct({
  error: Schema.Struct({
    code: Schema.Union([ErrorCode, Schema.Literal("E_INTERNAL")]),
    message: Schema.String,
    hint: Schema.String,
    details: Schema.optionalKey(Schema.Unknown)
  })
})
/** @see ErrorOutput */
export type ErrorOutput = typeof ErrorOutput.Type

/** `list --json`. */
export const ListOutput = Schema.Struct({
  observedAt: Timestamp,
  batches: Schema.Array(
    Schema.Struct({
      batchId: Schema.String,
      phase: Phase,
      createdAt: Timestamp,
      updatedAt: Timestamp,
      counts: Schema.Record(TaskStatus, Count),
      supervisor: Schema.NullOr(
        Schema.Struct({
          pid: Count,
          host: Schema.String,
          liveness: Schema.Literals(["alive", "dead", "pid-reused", "unknown"])
        })
      )
    })
  ),
  unreadable: Schema.Array(Schema.Struct({ batchId: Schema.String, code: Schema.String, message: Schema.String }))
})
/** @see ListOutput */
export type ListOutput = typeof ListOutput.Type

/** `status --json`. */
export const StatusOutput = Schema.Struct({
  batchId: Schema.String,
  phase: Phase,
  baseBranch: Schema.String,
  waves: Count,
  observedAt: Timestamp,
  lease: Schema.NullOr(Lease),
  /** The lease holder's liveness (pid + start time + host checked); null without a lease. */
  supervisor: Schema.NullOr(
    Schema.Struct({
      pid: Count,
      host: Schema.String,
      liveness: Schema.Literals(["alive", "dead", "pid-reused", "unknown"]),
      renewedAgoMs: Schema.Finite
    })
  ),
  /** Tasks by shown status (`stopped`: running when an abort stopped the batch, agent gone). */
  counts: Schema.Record(ShownStatus, Count),
  /** A `rekindle pause` is in force: no new task is launched until `rekindle continue`. */
  launchingPaused: Schema.Boolean,
  /** Control requests written and not yet carried out by the supervisor, oldest first. */
  openRequests: Schema.Array(Schema.Struct({ id: Schema.String, action: Schema.String })),
  tasks: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      /** The persisted status; `stopped` for a task an abort left without its agent; `waiting` at a blocking screen. */
      status: ShownStatus,
      /** 1-based wave number, as the table shows it. */
      wave: Schema.NullOr(Count),
      session: SessionEvidence,
      agent: AgentEvidence,
      attempts: Count,
      ageMs: Schema.NullOr(Schema.Finite),
      lastOutputAgoMs: Schema.NullOr(Schema.Finite),
      exitReason: Schema.NullOr(Schema.String),
      sessionName: Schema.NullOr(Schema.String),
      worktree: Schema.NullOr(Schema.String),
      branch: Schema.NullOr(Schema.String),
      /**
       * The agent stopped at a screen that blocks work (docs/agents.md#a-screen-that-blocks-work): which (`unrecognised`
       * when not a known one), how past it, what it shows. The task's status is then `waiting`.
       */
      waiting: Schema.optionalKey(
        Schema.Struct({ screen: Schema.String, how: Schema.String, lines: Schema.Array(Schema.String) })
      )
    })
  )
})
/** @see StatusOutput */
export type StatusOutput = typeof StatusOutput.Type

/** `plan --json` (and `plan --signals <file> --json`: `source` says which). */
export const PlanOutput = Schema.Struct({
  batchId: Schema.String,
  phase: Phase,
  source: Schema.Literals(["live", "snapshot"]),
  observedAt: Timestamp,
  eligibility: Eligibility,
  decisions: Schema.Array(TaskDecision),
  resumePoint: ResumePoint,
  plan: Plan,
  /** Agent config the plan's relaunches change (the `trustRepository` policy), one line each. */
  configChanges: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Live agents waiting at a screen that blocks work (docs/agents.md#a-screen-that-blocks-work), with its lines. */
  waiting: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        taskId: Schema.String,
        since: Timestamp,
        screen: Schema.String,
        how: Schema.String,
        lines: Schema.Array(Schema.String)
      })
    )
  )
})
/** @see PlanOutput */
export type PlanOutput = typeof PlanOutput.Type

/** `resume --json` and `restart <task> --json`. */
export const ResumeOutput = Schema.Struct({
  batchId: Schema.String,
  outcome: Schema.Literals(["resume_attach", "resume_create", "resume_restart", "resume_failed"]),
  message: Schema.String,
  phase: Phase,
  /** Dangling journal intents that turned out to have landed. */
  recovered: Count,
  /** The journal ended in a torn line (a crash mid-append), which was ignored. */
  journalTornTail: Schema.Boolean,
  /** The steps carried out. */
  steps: Schema.Array(PlanStep)
})
/** @see ResumeOutput */
export type ResumeOutput = typeof ResumeOutput.Type

/** `repair --json`. */
export const RepairOutput = Schema.Struct({
  batches: Schema.Array(Schema.String),
  dryRun: Schema.Boolean,
  /** Whether the steps were carried out (false on a dry run or when there was nothing to do). */
  applied: Schema.Boolean,
  removals: Count,
  orphans: Schema.Array(Orphan),
  steps: Schema.Array(PlanStep)
})
/** @see RepairOutput */
export type RepairOutput = typeof RepairOutput.Type

/** `clean --json`. */
export const CleanOutput = Schema.Struct({
  batchId: Schema.String,
  dryRun: Schema.Boolean,
  /** Whether the steps were carried out and the batch archived (false on a dry run). */
  applied: Schema.Boolean,
  steps: Schema.Array(PlanStep),
  /** Where the batch's state, journal and logs now are; null on a dry run. */
  archivedTo: Schema.NullOr(Schema.String)
})
/** @see CleanOutput */
export type CleanOutput = typeof CleanOutput.Type

/** `abort --json`. */
export const AbortOutput = Schema.Struct({
  batchId: Schema.String,
  hard: Schema.Boolean,
  stopped: Schema.Array(Schema.String)
})
/** @see AbortOutput */
export type AbortOutput = typeof AbortOutput.Type

/** What `pause`, `continue`, `send` (and `abort`, `restart` under a live supervisor) print: the request as it ended. */
export const RequestOutput = Schema.Struct({
  batchId: Schema.String,
  request: ControlRequest,
  /** Who carried it out: the live supervisor (pid and host), or null when this command did, holding the lease. */
  supervisor: Schema.NullOr(Schema.Struct({ pid: Count, host: Schema.String }))
})
/** @see RequestOutput */
export type RequestOutput = typeof RequestOutput.Type

/** What a foreground `run` or `resume` prints when Ctrl-C stops it (exit 130): what still runs, how to resume. */
export const InterruptedOutput = Schema.Struct({
  interrupted: Schema.Literal(true),
  batchId: Schema.String,
  phase: Schema.NullOr(Phase),
  /** Tasks whose agents still run in tmux. */
  running: Schema.Array(Schema.String),
  /** The command that takes the batch over. */
  resume: Schema.String
})
/** @see InterruptedOutput */
export type InterruptedOutput = typeof InterruptedOutput.Type

/** What `restart`, `abort --hard` and `repair` print when the user answers "no" (exit 0). */
export const DeclinedOutput = Schema.Struct({
  declined: Schema.Literal(true),
  command: Schema.String,
  batchId: Schema.NullOr(Schema.String)
})
/** @see DeclinedOutput */
export type DeclinedOutput = typeof DeclinedOutput.Type

/** `attach --json`: the command that attaches (not run: JSON output is for scripts). */
export const AttachOutput = Schema.Struct({
  batchId: Schema.String,
  taskId: Schema.String,
  session: Schema.String,
  command: Schema.Array(Schema.String)
})
/** @see AttachOutput */
export type AttachOutput = typeof AttachOutput.Type

/** `logs --json`: the log as text (decoded as UTF-8, invalid bytes replaced). */
export const LogsOutput = Schema.Struct({
  batchId: Schema.String,
  taskId: Schema.String,
  path: Schema.String,
  size: Count,
  text: Schema.String
})
/** @see LogsOutput */
export type LogsOutput = typeof LogsOutput.Type

/** One doctor check. `warn` does not fail doctor; `fail` does (exit 1). */
export const DoctorCheck = Schema.Struct({
  name: Schema.String,
  status: Schema.Literals(["ok", "warn", "fail"]),
  detail: Schema.String
})
/** @see DoctorCheck */
export type DoctorCheck = typeof DoctorCheck.Type

/** `doctor --json`. */
export const DoctorOutput = Schema.Struct({
  ok: Schema.Boolean,
  checks: Schema.Array(DoctorCheck)
})
/** @see DoctorOutput */
export type DoctorOutput = typeof DoctorOutput.Type

/** `resume --detached` / `run --detached` (and interactive starts): the background supervisor. */
export const DetachedOutput = Schema.Struct({
  batchId: Schema.String,
  /** The supervisor still runs the batch (false: the work ended before it was ready). */
  running: Schema.Boolean,
  supervisor: Schema.Struct({ pid: Count, log: Schema.String }),
  /** The batch's phase when the supervisor finished before it was ready, else null. */
  phase: Schema.NullOr(Schema.String)
})
/** @see DetachedOutput */
export type DetachedOutput = typeof DetachedOutput.Type

/** `run --json` (foreground): the batch as it ended. Exit 0 only when `phase` is `completed`. */
export const RunOutput = Schema.Struct({
  batchId: Schema.String,
  phase: Phase,
  tasks: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      status: TaskStatus,
      attempts: Count,
      exitReason: Schema.NullOr(Schema.String)
    })
  )
})
/** @see RunOutput */
export type RunOutput = typeof RunOutput.Type

/** `import --json`: the mapped batch, and where it was saved (null on `--dry-run`). */
export const ImportOutput = Schema.Struct({
  source: Schema.String,
  dryRun: Schema.Boolean,
  saved: Schema.NullOr(Schema.String),
  batchId: Schema.String,
  phase: Phase,
  /** The branch rekindle merges into (taskplane: its orchestrator branch). */
  baseBranch: Schema.String,
  /** Who merges: `rekindle`, or the orchestrator itself (`host`: rekindle merges nothing) or nobody (`never`). */
  mergePolicy: MergePolicy,
  /** What the foreign state said about its origin (path, schema version, the user's base branch…). */
  importedFrom: Schema.Unknown,
  waves: Schema.Array(Schema.Array(Schema.String)),
  tasks: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      status: TaskStatus,
      /** 1-based wave number. */
      wave: Schema.NullOr(Count),
      lane: Schema.NullOr(Schema.String),
      session: Schema.NullOr(Schema.String),
      worktree: Schema.NullOr(Schema.String),
      branch: Schema.NullOr(Schema.String),
      doneMarkers: Schema.Array(Schema.String),
      /** The agent process taskplane's registry names, alive at import. */
      agentPid: Schema.NullOr(Count)
    })
  ),
  merges: Schema.Array(
    Schema.Struct({
      wave: Count,
      lane: Schema.NullOr(Schema.String),
      status: Schema.String,
      reason: Schema.NullOr(Schema.String)
    })
  ),
  errors: Schema.Array(Schema.String)
})
/** @see ImportOutput */
export type ImportOutput = typeof ImportOutput.Type

/** Every documented shape, by name. */
export const SHAPES = {
  state: BatchState,
  manifest: Manifest,
  signals: Signals,
  plan: PlanOutput,
  status: StatusOutput,
  list: ListOutput,
  clean: CleanOutput,
  run: RunOutput,
  resume: ResumeOutput,
  detached: DetachedOutput,
  repair: RepairOutput,
  abort: AbortOutput,
  request: RequestOutput,
  event: BatchEvent,
  interrupted: InterruptedOutput,
  attach: AttachOutput,
  logs: LogsOutput,
  doctor: DoctorOutput,
  import: ImportOutput,
  declined: DeclinedOutput,
  error: ErrorOutput
} as const satisfies Record<string, Schema.Top>

/** The names `schema` accepts. */
export type ShapeName = keyof typeof SHAPES

/** A standalone JSON Schema document for `name`. */
export const jsonSchemaOf = (name: ShapeName): unknown => {
  const doc = Schema.toJsonSchemaDocument(SHAPES[name])
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: `rekindle ${name}`,
    ...doc.schema,
    ...(Object.keys(doc.definitions).length === 0 ? {} : { $defs: doc.definitions })
  }
}
