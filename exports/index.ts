/**
 * Entry of `rekindle`, the curated public API: the Promise facade, the engine use-cases (Effect API),
 * the errors, the ports, the foreign-state import, and the Schemas a user needs to decode and encode
 * state, manifests and plans. Everything else of the pure decision core is in `rekindle/core`; engine
 * internals (the apply context, crash points, lease and prompt helpers) are not exported at all.
 * test/package/surface.ts pins the names (≤ 120 runtime names).
 */

// The Promise facade and its error.
export {
  createRekindleWithLayer,
  RekindleError,
  toRekindleError,
  type CallOptions,
  type EngineLayerFor,
  type EngineServices,
  type Rekindle,
  type RekindleErrorCode,
  type RekindleOptions
} from "../core/facade.ts"
export { createRekindle } from "../adapters/facade.ts"

// The engine's error: one stable code per failure.
export { EngineError, ErrorCode } from "../core/engine/support/Errors.ts"

// The use-cases, as Effects over the ports.
export { abort, type AbortOptions, type AbortReport } from "../core/engine/usecases/Abort.ts"
export { clean, type CleanOptions, type CleanReport } from "../core/engine/usecases/Clean.ts"
export {
  importState,
  type ImportOptions,
  type ImportResult,
  type ImportServices
} from "../core/engine/usecases/Import.ts"
export { list, type ListReport } from "../core/engine/usecases/List.ts"
export { plan, planFromSnapshot, planState, type PlanReport } from "../core/engine/usecases/Plan.ts"
export { repair, type RepairOptions, type RepairReport } from "../core/engine/usecases/Repair.ts"
export {
  resume,
  type ResumeOptions,
  type ResumeOutcome,
  type ResumeResult
} from "../core/engine/usecases/Resume.ts"
export { readManifest, run, type ManifestRead, type RunOptions } from "../core/engine/usecases/Run.ts"
export { status, statusOf, type StatusReport, type TaskRow } from "../core/engine/usecases/Status.ts"
export { applyPlan, type ApplyOptions, type ApplyResult } from "../core/engine/apply/ApplyPlan.ts"
export type {
  HostLaneMerge,
  HostLaunch,
  HostSnapshot,
  StepHandlers
} from "../core/engine/apply/Handlers.ts"
export type { FailedLaunch } from "../core/engine/apply/VerifyLaunch.ts"
export { observe } from "../core/engine/support/Observe.ts"
export { loadState, saveState, type BatchRef } from "../core/engine/support/StateIO.ts"
export {
  ExecutorEvents,
  ExecutorSettings,
  type ExecutorEvent,
  type ExecutorTuning
} from "../core/engine/waves/WaveSettings.ts"
export { batchPaths, stateRoot, type BatchPaths } from "../core/domain/Layout.ts"

// The ports: each one's interface, service tag, tagged error and data Schemas.
export * from "../core/ports/index.ts"

// Foreign-state import: the mapping interface, its check, and the taskplane-style adapter.
export {
  ImportIoError,
  ImportRefusedError,
  type ImportProblem,
  type ImportProblemCode,
  type ForeignBatch,
  type ForeignLane,
  type ForeignMerge,
  type ForeignProcess,
  type ForeignTask,
  type ImportAdapter,
  type ImportIO
} from "../core/import/Foreign.ts"
export { toBatchState } from "../core/import/Mapping.ts"
export { taskplane, type TaskplaneOptions, type TaskplaneRead } from "../core/import/Taskplane.ts"
export {
  multiclaude,
  type MulticlaudeOptions,
  type MulticlaudeRead
} from "../core/import/Multiclaude.ts"

// Schemas to decode and encode state (the rest of the pure core: `rekindle/core`).
export {
  BatchId,
  TaskId,
  type Count,
  type LaneId,
  type ProcessIdentity,
  type Timestamp
} from "../core/domain/Ids.ts"
export {
  BatchState,
  Phase,
  STATE_VERSION,
  Task,
  TaskStatus,
  type AgentKind,
  type BatchError,
  type BatchOptions,
  type Lane,
  type Lease,
  type LogCheckpoint,
  type MergePolicy,
  type MergeRecord,
  type MergeStatus,
  type PromptEntry,
  type PromptStatus,
  type TaskEvent
} from "../core/domain/State.ts"
export { encodeState, migrateState, StateDecodeError, StateVersionError } from "../core/domain/Migrate.ts"
export { Signals } from "../core/domain/Signals.ts"

// Schemas of manifests (`rekindle run`).
export {
  Manifest,
  ManifestAgent,
  ManifestOptions,
  ManifestPrompt,
  ManifestTask,
  validateManifest,
  type ValidManifest
} from "../core/domain/Manifest.ts"

// Schemas of decisions and plans: what `plan()` returns and an embedder's executor consumes.
export { Action, Evidence, ResumePoint, TaskDecision } from "../core/domain/Decision.ts"
export { Eligibility } from "../core/domain/Eligibility.ts"
export {
  ContinueFromWave,
  DeleteBranch,
  Hold,
  isDestructive,
  MarkTask,
  Plan,
  PlanStep,
  PruneWorktrees,
  Reattach,
  RelaunchAgent,
  RemoveWorktree,
  Report,
  RetryMerge,
  SnapshotOrphan,
  SnapshotWip,
  StopSession
} from "../core/domain/Plan.ts"
