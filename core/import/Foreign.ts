/**
 * The mapping interface for foreign state: what another orchestrator's persisted batch must be turned
 * into so rekindle can observe, plan and resume it. An {@link ImportAdapter} reads the foreign files
 * (`read`, through a small read-only {@link ImportIO}) and maps them (`map`, pure) to a
 * {@link ForeignBatch}: rekindle's facts in rekindle's words, with every fact rekindle can default
 * left optional. `importState` validates the result and fills the rest.
 */
import type { ProcessIdentity } from "../domain/Ids.ts"
import type { MergePolicy, MergeStatus, Phase, TaskStatus } from "../domain/State.ts"

/**
 * The process of a task's agent as the foreign orchestrator recorded it — an agent running outside
 * tmux, or a pane's program. With it, an agent that outlived its session is held, never run twice.
 */
export interface ForeignProcess {
  readonly pid: number
  /**
   * The start time as rekindle's process table reports it (Linux: /proc/<pid>/stat field 22), when
   * known: a pid whose start time differs is another process (reused pid). Without it, the process
   * alive under that pid at import time is taken as the agent.
   */
  readonly startTime?: string
}

/** One task, in rekindle's terms. `id`, `status` and an agent (here or the batch's) are required. */
export interface ForeignTask {
  /** Safe charset: `[A-Za-z0-9_-]`, 1–64 characters, not starting with `-`. */
  readonly id: string
  readonly status: TaskStatus
  /** Ids this task depends on; default none. Failed tasks block their transitive dependents. */
  readonly dependsOn?: ReadonlyArray<string>
  /**
   * Agent kind (launcher table name: `claude`, `codex`, `shell` with `command`, …) rekindle relaunches
   * it with; default the batch's `agent`. One of the two is required: rekindle never guesses an agent.
   */
  readonly agent?: string
  /** argv of a `shell` agent (never a shell string). */
  readonly command?: ReadonlyArray<string>
  /** The prompt a relaunch starts the agent with; default a line naming the task. */
  readonly prompt?: string
  readonly lane?: string
  /** The exact tmux session the task runs in (found by exact name, never by prefix). */
  readonly session?: string
  /** Absolute path inside the repo. */
  readonly worktree?: string
  readonly branch?: string
  /** Absolute path (inside the repo) of the file whose existence means "done". */
  readonly doneMarker?: string
  /** Further paths (inside the repo) whose existence also means "done" (archived or moved task folders). */
  readonly otherDoneMarkers?: ReadonlyArray<string>
  /** Launches so far; default 1 for a task that started, 0 otherwise. */
  readonly attempts?: number
  readonly conversationId?: string
  /** The agent's process, when the orchestrator recorded it (see {@link ForeignProcess}). */
  readonly agentProcess?: ForeignProcess
  /** Epoch milliseconds. */
  readonly startedAt?: number
  readonly endedAt?: number
  readonly exitReason?: string
}

/** A lane: tasks sharing a session, worktree and branch, merged after its wave. */
export interface ForeignLane {
  readonly id: string
  /** 0-based wave; default the first wave holding one of its tasks. */
  readonly wave?: number
  readonly tasks: ReadonlyArray<string>
  readonly session?: string
  readonly worktree?: string
  readonly branch?: string
}

/** One merge attempt of a wave (or one lane of it). The latest record per wave and lane decides. */
export interface ForeignMerge {
  readonly wave: number
  readonly lane?: string
  readonly status: MergeStatus
  readonly at: number
  readonly commit?: string
  readonly reason?: string
}

/** A foreign batch, mapped. */
export interface ForeignBatch {
  /** The orchestrator it came from ("taskplane"); recorded in the state as `importedFrom.source`. */
  readonly source: string
  readonly batchId: string
  /** Absolute repository root: every path of the batch must lie inside it (or inside `worktreeRoot`). */
  readonly repoRoot: string
  /**
   * The absolute directory the orchestrator keeps its worktrees in when that is outside the repo
   * (multiclaude: `~/.multiclaude/wts/<repo>`); a task's worktree may lie inside it too.
   */
  readonly worktreeRoot?: string
  /** The branch merges target, as the batch captured it when it started. */
  readonly baseBranch: string
  readonly phase: Phase
  /** Task ids per wave in execution order; default planned from `dependsOn`. */
  readonly waves?: ReadonlyArray<ReadonlyArray<string>>
  readonly tasks: ReadonlyArray<ForeignTask>
  readonly lanes?: ReadonlyArray<ForeignLane>
  readonly merges?: ReadonlyArray<ForeignMerge>
  /** Batch-level error messages, kept as the state's error list. */
  readonly errors?: ReadonlyArray<string>
  readonly createdAt: number
  readonly updatedAt: number
  /** tmux socket (`tmux -L`) the sessions live on; default the user's server. */
  readonly tmuxSocket?: string
  /** Agent kind of every task that names none (no default: see {@link ForeignTask.agent}). */
  readonly agent?: string
  /** Who merges finished lanes: `rekindle` (default), `host` (you do) or `never`. */
  readonly merge?: MergePolicy
  /** Anything worth keeping about the origin (file path, schema version…): stored in `importedFrom`. */
  readonly provenance?: Readonly<Record<string, unknown>>
}

/** Read-only file access handed to an adapter's `read`. Paths are absolute. */
export interface ImportIO {
  /** The file's text, or undefined when it does not exist. */
  readonly readText: (path: string) => Promise<string | undefined>
  readonly exists: (path: string) => Promise<boolean>
  /** Entry names of a directory (empty when it does not exist). */
  readonly list: (dir: string) => Promise<ReadonlyArray<string>>
  /**
   * The time of the import (epoch ms), for staleness checks (a lock's heartbeat). Optional, so an
   * `io` written before it existed still type-checks: absent, an adapter reads the wall clock
   * ({@link importTime}). `importState` always gives it.
   */
  readonly now?: number
  /**
   * The identity of process `pid` on this host when it runs now, else undefined. Optional (as `now`):
   * absent, nothing can be proven dead, so the bundled adapters stay on the safe side — taskplane hands
   * a registry agent's pid on as the task's `agentProcess` (for `importState` to check against the
   * process table) and takes a supervisor lock with a fresh heartbeat as live. `importState` always gives it.
   */
  readonly liveProcess?: (pid: number) => Promise<ProcessIdentity | undefined>
}

/** The import's time: `io.now`, or the wall clock for an `io` that does not give it. */
export const importTime = (io: ImportIO): number => io.now ?? Date.now()

/**
 * An adapter from another orchestrator's state. `read` gathers what `map` needs (rejecting when the
 * files are unreadable, resolving `undefined` when there is no state at all); `map` is pure.
 */
export interface ImportAdapter<Foreign> {
  /** Orchestrator name, for messages. */
  readonly name: string
  /** What `read` reads (a path), for messages. */
  readonly location: string
  readonly read: (io: ImportIO) => Promise<Foreign | undefined>
  readonly map: (foreign: Foreign) => ForeignBatch
}

/** The error codes an adapter may refuse a foreign batch with (a subset of rekindle's `E_…` codes). */
export type ImportProblemCode = "E_STATE_CORRUPT" | "E_STATE_VERSION" | "E_NOT_RESUMABLE" | "E_LOCKED" | "E_UNSUPPORTED"

/** One reason a foreign batch cannot be imported. */
export interface ImportProblem {
  readonly code: ImportProblemCode
  readonly message: string
}

/**
 * Thrown by an adapter's `read` or `map` that refuses the batch: every problem at once, the most
 * decisive first (its code becomes the error's code).
 */
export class ImportRefusedError extends Error {
  override readonly name = "ImportRefusedError"
  readonly problems: ReadonlyArray<ImportProblem>
  constructor(problems: ReadonlyArray<ImportProblem>) {
    super(problems.map((p) => p.message).join("; "))
    this.problems = problems
  }
}

/** An I/O failure while an adapter read (permission, not a directory…): reported as E_IO. */
export class ImportIoError extends Error {
  override readonly name = "ImportIoError"
}
