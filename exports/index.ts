/**
 * Entry of `rekindle`: the engine use-cases (Effect API), the pure decision core, the ports, the
 * foreign-state import, and the Promise facade (`createRekindle`, `RekindleError`).
 */
export * from "../core/index.ts"
export * from "../core/import/index.ts"
export * from "../core/engine/usecases/Import.ts"
export {
  makeRekindle,
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
export type {
  HostLaunch,
  StepHandlers
} from "../core/engine/apply/Handlers.ts"
export type { FailedLaunch } from "../core/engine/apply/VerifyLaunch.ts"
