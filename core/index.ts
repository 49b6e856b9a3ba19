/**
 * rekindle — the library: the pure decision core, the ports, and the engine use-cases (Effect API).
 * `rekindle/core` is the pure part alone; `rekindle/node` the live adapters; `rekindle/testing` the
 * FakeWorld for embedders' tests.
 */
export * from "./domain/index.ts"
export { EngineError, ErrorCode } from "./engine/support/Errors.ts"
export { batchPaths, stateRoot, type BatchPaths } from "./domain/Layout.ts"
export { listBatches, loadState, resolveBatch, saveState, type BatchRef } from "./engine/support/StateIO.ts"
export { observe, addDirty } from "./engine/support/Observe.ts"
export { plan, planFromSnapshot, planState, type PlanReport } from "./engine/usecases/Plan.ts"
export { resume, type ResumeOptions, type ResumeResult, type ResumeOutcome } from "./engine/usecases/Resume.ts"
export { repair, inventory, type RepairOptions, type RepairReport } from "./engine/usecases/Repair.ts"
export { abort, type AbortOptions, type AbortReport } from "./engine/usecases/Abort.ts"
export { status, statusOf, type StatusReport, type TaskRow } from "./engine/usecases/Status.ts"
export { applyPlan, type ApplyOptions, type ApplyResult } from "./engine/apply/ApplyPlan.ts"
export { launchTask, handoffPrompt, requireWorktree } from "./engine/waves/Launch.ts"
export { acquireLease, withLease, DEFAULT_LEASE_STALE_MS } from "./engine/support/SupervisorLease.ts"
export { CrashPoint } from "./engine/apply/CrashPoints.ts"
export * from "./ports/index.ts"
export { run, prepare, readManifest, initialState, type RunOptions } from "./engine/usecases/Run.ts"
export { continueFrom } from "./engine/waves/WaveLoop.ts"
export {
  ExecutorSettings,
  ExecutorEvents,
  type ExecutorEvent,
  type ExecutorTuning
} from "./engine/waves/WaveSettings.ts"
export { deliverPrompt, recheckPrompts, seenInPane } from "./engine/support/Prompts.ts"
export { startDetachedSupervisor, type DetachedSupervisor } from "./engine/support/DetachedSupervisor.ts"
export { readSink, sinkPath, type LogChunk } from "./engine/support/Logs.ts"
export { makeApplying, type Applying } from "./engine/apply/PlanContext.ts"
