/**
 * The command side of control requests: is there a live supervisor to hand a request to, write the
 * request, wait (bounded) for the supervisor's answer — and, with no live supervisor, take the lease
 * and carry out the open requests in this process (the same `controlPass` the supervisor runs).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { ControlAction, ControlRequest } from "../../domain/ControlRequest.ts"
import type { ProcessIdentity } from "../../domain/Ids.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { LeaseStore } from "../../ports/Lease.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { makeApplying } from "../apply/PlanContext.ts"
import { controlPass } from "../waves/Control.ts"
import { newRequestId, readRequest, writeRequest } from "../support/Requests.ts"
import { loadState, type BatchRef } from "../support/StateIO.ts"
import { withLease } from "../support/SupervisorLease.ts"

/** The lease holder, when it is a live process other than this one. */
export const liveSupervisor = Effect.fn("Control.liveSupervisor")(function* (ref: Required<BatchRef>) {
  const lease = yield* (yield* LeaseStore)
    .read(batchPaths(ref.repoRoot, ref.batchId).lease)
    .pipe(Effect.orElseSucceed(() => undefined))
  if (lease === undefined) return undefined
  const procs = yield* ProcessTable
  const self = yield* procs.self.pipe(Effect.option)
  if (self._tag === "None" || self.value.pid === lease.owner.pid || self.value.host !== lease.owner.host)
    return undefined
  // One pid looked up (pid + start time), not the whole table: a process exiting while the table is
  // read must not make a live supervisor look unknown, and so absent. Retried once on a read error.
  const alive = yield* procs.isAlive(lease.owner).pipe(
    Effect.retry({ times: 2 }),
    Effect.orElseSucceed(() => false)
  )
  return alive ? lease.owner : undefined
})

/** What a command asks for. */
export interface RequestSpec {
  readonly action: ControlAction
  readonly taskId?: string
  readonly text?: string
  readonly hard?: boolean
  readonly graceMs?: number
}

/** Write a new pending request. */
export const submitRequest = Effect.fn("Control.submit")(function* (ref: Required<BatchRef>, spec: RequestSpec) {
  const request: ControlRequest = {
    id: yield* newRequestId,
    action: spec.action,
    ...(spec.taskId === undefined ? {} : { taskId: spec.taskId }),
    ...(spec.text === undefined ? {} : { text: spec.text }),
    ...(spec.hard === undefined ? {} : { hard: spec.hard }),
    ...(spec.graceMs === undefined ? {} : { graceMs: spec.graceMs }),
    requestedAt: yield* Clock.currentTimeMillis,
    status: "pending"
  }
  yield* writeRequest(batchPaths(ref.repoRoot, ref.batchId), request)
  return request
})

/** How waiting for a request ended. */
interface Awaited {
  readonly request: ControlRequest
  /** The supervisor died (or let go of the lease) before it finished the request. */
  readonly supervisorGone: boolean
  /** The wait's bound passed first. */
  readonly timedOut: boolean
}

/** Wait until `id` is done or failed, its supervisor is gone, or `timeoutMs` passed. */
export const awaitRequest = Effect.fn("Control.await")(function* (
  ref: Required<BatchRef>,
  submitted: ControlRequest,
  timeoutMs: number
) {
  const paths = batchPaths(ref.repoRoot, ref.batchId)
  const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
  for (;;) {
    const request = (yield* readRequest(paths, submitted.id)) ?? submitted
    if (request.status === "done" || request.status === "failed")
      return { request, supervisorGone: false, timedOut: false } satisfies Awaited
    if ((yield* liveSupervisor(ref)) === undefined) {
      // It may have finished the request just before letting go of the lease: read once more.
      const last = (yield* readRequest(paths, submitted.id)) ?? request
      const final = last.status === "done" || last.status === "failed"
      return { request: last, supervisorGone: !final, timedOut: false } satisfies Awaited
    }
    if ((yield* Clock.currentTimeMillis) >= deadline)
      return { request, supervisorGone: false, timedOut: true } satisfies Awaited
    yield* Effect.sleep(200)
  }
})

/** With no live supervisor: take the lease and carry out the open requests here; returns `id` as it ended. */
export const runRequestsNow = Effect.fn("Control.runNow")(function* (ref: Required<BatchRef>, id: string) {
  const paths = batchPaths(ref.repoRoot, ref.batchId)
  return yield* Effect.scoped(
    Effect.gen(function* () {
      yield* withLease(paths.lease)
      yield* controlPass(yield* makeApplying(yield* loadState(ref)))
      return yield* readRequest(paths, id)
    })
  )
})

/** The owner of a lease, as a command prints it. */
export const describeOwner = (owner: ProcessIdentity): string => `pid ${owner.pid} on ${owner.host}`
