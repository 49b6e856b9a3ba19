/**
 * The engine as one namespace for its callers (the CLI imports `* as Engine`): the use-cases, one per
 * CLI verb, and the support calls a command needs. Callers write `Engine.status(ref)`, so a command
 * named like its use-case (`status`, `plan`, `resume`) never has to alias the engine's name.
 */
export { abort } from "./usecases/Abort.ts"
export { clean, type CleanReport } from "./usecases/Clean.ts"
export {
  awaitRequest,
  describeOwner,
  liveSupervisor,
  type RequestSpec,
  runRequestsNow,
  submitRequest
} from "./usecases/Control.ts"
export { importState, type ImportResult } from "./usecases/Import.ts"
export { list, type ListReport } from "./usecases/List.ts"
export { plan, planFromSnapshot, planState } from "./usecases/Plan.ts"
export { repair, type RepairReport } from "./usecases/Repair.ts"
export { resume, type ResumeResult } from "./usecases/Resume.ts"
export { newBatchId, readManifest, run } from "./usecases/Run.ts"
export { status } from "./usecases/Status.ts"
export { fail } from "./support/Errors.ts"
export { eventsPath } from "./support/Events.ts"
export { observe } from "./support/Observe.ts"
export { listBatches, loadState } from "./support/StateIO.ts"
export { requireWorktree } from "./waves/Launch.ts"
export { ExecutorSettings } from "./waves/WaveSettings.ts"
