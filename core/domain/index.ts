/**
 * rekindle's pure decision core: Schemas for state, signals, decisions and plans, and the total,
 * deterministic functions that turn (state + signals) into a recovery plan. No I/O, no clock.
 */
export * from "./Ids.ts"
export * from "./State.ts"
export * from "./Migrate.ts"
export * from "./Signals.ts"
export * from "./Decision.ts"
export * from "./Plan.ts"
export * from "./LogCheckpoint.ts"
export * from "./Delivery.ts"
export * from "./LeaseDecision.ts"
export * from "./Waves.ts"
export * from "./Naming.ts"
export * from "./Evidence.ts"
export * from "./Reconcile.ts"
export * from "./ResumePoint.ts"
export * from "./Recovery.ts"
export * from "./Eligibility.ts"
export * from "./Orphans.ts"
export * from "./Markers.ts"
export * from "./Storm.ts"
export * from "./Manifest.ts"
