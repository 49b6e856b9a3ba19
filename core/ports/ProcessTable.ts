/**
 * Port: the machine's process table. Tells a live agent from a pane whose shell survived it, and a
 * lease owner from an unrelated process that reused its pid. Identity is pid + start time.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ProcessIdentity } from "../domain/Ids.ts"
import type { ProcessInfo } from "../domain/Signals.ts"

/** Why the process table could not answer. */
export const ProcessTableErrorReason = Schema.Literals(["Unavailable", "Timeout", "Parse", "NotOwned"])

/** The process table could not be read, or a signal was refused. */
export class ProcessTableError extends Schema.TaggedError<ProcessTableError>()("ProcessTableError", {
  reason: ProcessTableErrorReason,
  message: Schema.String
}) {}

/** The operations rekindle needs from the process table. */
export interface ProcessTableShape {
  /** Every live process (pid, ppid, start time, argv) in one read. */
  readonly snapshot: Effect.Effect<ReadonlyArray<ProcessInfo>, ProcessTableError>
  /** Whether the process with exactly this pid AND start time is alive. */
  readonly isAlive: (id: {
    readonly pid: number
    readonly startTime: string
  }) => Effect.Effect<boolean, ProcessTableError>
  /** Live descendants of `pid` (children, grandchildren…). */
  readonly descendants: (pid: number) => Effect.Effect<ReadonlyArray<ProcessInfo>, ProcessTableError>
  /** This process's own identity (pid + start time + host), used for the lease. */
  readonly self: Effect.Effect<ProcessIdentity, ProcessTableError>
  /**
   * Send `signal` to the process only if pid AND start time still match (rekindle never signals a
   * process it did not start). Resolves `false` when it is already gone; fails `NotOwned` when the
   * pid now belongs to another process.
   */
  readonly signal: (
    id: { readonly pid: number; readonly startTime: string },
    signal: "SIGTERM" | "SIGKILL" | "SIGHUP" | "SIGINT"
  ) => Effect.Effect<boolean, ProcessTableError>
}

/** Service tag for {@link ProcessTableShape}. */
export class ProcessTable extends Context.Service<ProcessTable, ProcessTableShape>()("rekindle/ProcessTable") {}
