/**
 * How `abort`, `restart`, `pause`, `continue` and `send` act on a batch a supervisor runs: hand the
 * request to it (a file in `.rekindle/<batch>/requests/`), wait a bounded time for its answer and
 * print it. With no live supervisor, `handOver` answers `undefined` and the command acts itself;
 * `carryOut` then takes the lease and runs the request in this process.
 */
import * as Effect from "effect/Effect"
import type { ControlRequest } from "../../core/domain/ControlRequest.ts"
import * as Engine from "../../core/engine/index.ts"
import { jsonDocument } from "../render/Json.ts"
import { renderRequest } from "../render/Reports.ts"
import { RequestOutput } from "../render/Shapes.ts"
import { type Ctx, emit, note } from "../Root.ts"
import type { Target } from "./Target.ts"

const refOf = (t: Target) => ({ repoRoot: t.repoRoot, batchId: t.batchId })

const requestFile = (t: Target, r: ControlRequest) => `.rekindle/${t.batchId}/requests/${r.id}.json`

/** Print the request as it ended; a failed one is E_REQUEST_FAILED (exit 1) after its document. */
const report = (ctx: Ctx, t: Target, request: ControlRequest, supervisor: RequestOutput["supervisor"]) =>
  Effect.gen(function* () {
    const out: RequestOutput = { batchId: t.batchId, request, supervisor }
    if (request.status === "failed")
      return yield* Engine.fail(
        "E_REQUEST_FAILED",
        `${request.action}${request.taskId === undefined ? "" : ` ${request.taskId}`}: ${request.outcome ?? "failed"}`,
        "see `rekindle status` for the batch as it is now",
        out
      )
    yield* emit(
      ctx,
      () => jsonDocument(RequestOutput, out),
      () => renderRequest(ctx.out, out)
    )
    return request
  })

/**
 * Hand `spec` to the batch's live supervisor and print its answer; `undefined` when no live
 * supervisor holds the batch (the caller acts itself, as before).
 */
export const handOver = Effect.fn("cli.handOver")(function* (
  ctx: Ctx,
  t: Target,
  spec: Engine.RequestSpec,
  waitMs: number
) {
  const owner = yield* t.run(Engine.liveSupervisor(refOf(t)))
  if (owner === undefined) return undefined
  const submitted = yield* t.run(Engine.submitRequest(refOf(t), spec))
  yield* note(
    ctx.err.dim(
      `handed to the supervisor (${Engine.describeOwner(owner)}) as request ${submitted.id}; waiting up to ${Math.round(waitMs / 1000)} s`
    )
  )
  const r = yield* t.run(Engine.awaitRequest(refOf(t), submitted, waitMs))
  if (r.supervisorGone)
    return yield* Engine.fail(
      "E_REQUEST_PENDING",
      `the supervisor (${Engine.describeOwner(owner)}) stopped before it finished request ${submitted.id} (${r.request.status})`,
      `run \`rekindle resume\`: the next supervisor finishes it exactly once (${requestFile(t, submitted)})`,
      { request: r.request }
    )
  if (r.timedOut)
    return yield* Engine.fail(
      "E_REQUEST_PENDING",
      `the supervisor has not finished request ${submitted.id} after ${Math.round(waitMs / 1000)} s (${r.request.status})`,
      `it carries it out as soon as it can; its answer will be in ${requestFile(t, submitted)}`,
      { request: r.request }
    )
  return yield* report(ctx, t, r.request, { pid: owner.pid, host: owner.host })
})

/** Hand `spec` to the live supervisor, or, with none, take the lease and carry it out here. */
export const carryOut = Effect.fn("cli.carryOut")(function* (
  ctx: Ctx,
  t: Target,
  spec: Engine.RequestSpec,
  waitMs: number
) {
  const handed = yield* handOver(ctx, t, spec, waitMs)
  if (handed !== undefined) return handed
  const submitted = yield* t.run(Engine.submitRequest(refOf(t), spec))
  const ended = (yield* t.run(Engine.runRequestsNow(refOf(t), submitted.id))) ?? submitted
  return yield* report(ctx, t, ended, null)
})
