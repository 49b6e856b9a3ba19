/**
 * list: every batch of the repo — id, phase, age, tasks by status, its supervisor and whether that
 * supervisor lives (pid + start time + host). Read-only: no tmux call, one process-table read.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { LeaseLiveness } from "../../domain/LeaseDecision.ts"
import type { Phase, ProcessIdentity, TaskStatus } from "../../domain/index.ts"
import { LeaseStore } from "../../ports/Lease.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { listBatches, loadState, unreadableBatches } from "../support/StateIO.ts"
import { ownerLiveness } from "../support/SupervisorLease.ts"
import { taskCounts } from "./Status.ts"

/** One batch of `rekindle list`. */
interface BatchSummary {
  readonly batchId: string
  readonly phase: Phase
  readonly createdAt: number
  readonly updatedAt: number
  readonly counts: Readonly<Record<TaskStatus, number>>
  /** The lease holder and its liveness; undefined when no lease file exists. */
  readonly supervisor: { readonly owner: ProcessIdentity; readonly liveness: LeaseLiveness } | undefined
}

/** What `rekindle list` shows. */
export interface ListReport {
  readonly batches: ReadonlyArray<BatchSummary>
  /** Batch directories whose state cannot be read, with the error code a command reports for them. */
  readonly unreadable: ReadonlyArray<{ readonly batchId: string; readonly code: string; readonly message: string }>
  readonly observedAt: number
}

/** `rekindle list`: newest first. */
export const list = Effect.fn("List.list")(function* (repoRoot: string) {
  const self = yield* (yield* ProcessTable).self.pipe(Effect.option)
  const leases = yield* LeaseStore
  const batches: Array<BatchSummary> = []
  for (const entry of yield* listBatches(repoRoot)) {
    const s = yield* loadState({ repoRoot, batchId: entry.batchId })
    const lease = yield* leases.read(batchPaths(repoRoot, s.batchId).lease).pipe(Effect.orElseSucceed(() => undefined))
    const liveness =
      lease === undefined
        ? undefined
        : self._tag === "None"
          ? ("unknown" as const)
          : yield* ownerLiveness(lease.owner, self.value)
    batches.push({
      batchId: s.batchId,
      phase: s.phase,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      counts: taskCounts(s),
      supervisor: lease === undefined || liveness === undefined ? undefined : { owner: lease.owner, liveness }
    })
  }
  const unreadable = (yield* unreadableBatches(repoRoot)).map((u) => ({
    batchId: u.batchId,
    code: u.error.code,
    message: u.error.message
  }))
  const report: ListReport = { batches, unreadable, observedAt: yield* Clock.currentTimeMillis }
  return report
})
