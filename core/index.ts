/**
 * rekindle — the library: the pure decision core, the ports, and the engine use-cases (Effect API).
 * `rekindle/core` is the pure part alone; `rekindle/node` the live adapters; `rekindle/testing` the
 * FakeWorld for embedders' tests.
 */
export * from "./domain/index.ts"
export { EngineError, ErrorCode } from "./engine/Errors.ts"
export { batchPaths, stateRoot, type BatchPaths } from "./engine/Layout.ts"
export { listBatches, loadState, resolveBatch, saveState, type BatchRef } from "./engine/StateIO.ts"
export { observe, addDirty } from "./engine/Observe.ts"
export { plan, planFromSnapshot, planState, type PlanReport } from "./engine/Planning.ts"
export { resume, type ResumeOptions, type ResumeResult, type ResumeOutcome } from "./engine/Resume.ts"
export { repair, inventory, type RepairOptions, type RepairReport } from "./engine/Repair.ts"
export { abort, type AbortOptions, type AbortReport } from "./engine/Abort.ts"
export { status, statusOf, type StatusReport, type TaskRow } from "./engine/Status.ts"
export { applyPlan, type ApplyOptions, type ApplyResult } from "./engine/Apply.ts"
export { launchTask, handoffPrompt, requireWorktree } from "./engine/Launch.ts"
export { acquireLease, withLease, DEFAULT_LEASE_STALE_MS } from "./engine/Supervision.ts"
export { CrashPoint } from "./engine/CrashPoints.ts"
export * from "./ports/index.ts"
export { run, prepare, readManifest, initialState, type RunOptions } from "./engine/Run.ts"
export { continueFrom } from "./engine/Executor.ts"
export { ExecutorSettings, ExecutorEvents, type ExecutorEvent, type ExecutorTuning } from "./engine/ExecutorSettings.ts"
export { deliverPrompt, recheckPrompts, seenInPane } from "./engine/Prompts.ts"
export { startDetachedSupervisor, type DetachedSupervisor } from "./engine/Detached.ts"
export { readSink, sinkPath, type LogChunk } from "./engine/Logs.ts"
export { makeApplying, type Applying } from "./engine/Applying.ts"
