/**
 * The apply loop: carry out a plan step by step — each side effect journaled, each transition
 * persisted — renewing the supervisor lease between steps. What it returns is the saved state.
 */
import * as Effect from "effect/Effect"
import * as Semaphore from "effect/Semaphore"
import type { ProcessIdentity } from "../../domain/Ids.ts"
import type { Plan, PlanStep } from "../../domain/Plan.ts"
import type { BatchState } from "../../domain/State.ts"
import { StateStore } from "../../ports/StateStore.ts"
import { makeApplying, type Applying } from "./PlanContext.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { crashPoint } from "./CrashPoints.ts"
import { record } from "./Journaled.ts"
import { orphanStep, retryMerge } from "./RepoSteps.ts"
import { renewLease } from "../support/SupervisorLease.ts"
import type { StepHandlers } from "./Handlers.ts"
import { markTask, reattach, relaunch, snapshotWip, stopSession } from "./TaskSteps.ts"

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  /** Grace period between SIGTERM and SIGKILL for a stale agent. */
  readonly graceMs?: number
  /** Lease to renew between steps (absent: the caller holds none, e.g. an embedding executor). */
  readonly lease?: { readonly path: string; readonly self: ProcessIdentity }
  /** For repair: the branch a branch must be merged into before it may be deleted. */
  readonly baseFor?: (branch: string) => string
  /** Steps the host carries out itself (rekindle still journals them): see Handlers.ts. */
  readonly handlers?: StepHandlers
  /** How many tasks' steps run at once (default: the batch's `options.relaunchConcurrency`, else 1). */
  readonly relaunchConcurrency?: number
}

/** What one apply run did. */
export interface ApplyResult {
  readonly state: BatchState
  readonly applied: ReadonlyArray<PlanStep>
  /** The wave the executor should continue from, when the plan says so. */
  readonly continueFrom: number | undefined
}

const runStep = (ctx: Applying, step: PlanStep, options: ApplyOptions, snapshots: Map<string, string>) => {
  switch (step._tag) {
    case "StopSession":
      return stopSession(ctx, step, options.graceMs ?? 5_000, options.handlers)
    case "SnapshotWip":
      return snapshotWip(ctx, step, options.handlers)
    case "RelaunchAgent":
      return relaunch(ctx, step, options.graceMs ?? 5_000, options.handlers)
    case "Reattach":
      return reattach(ctx, step)
    case "MarkTask":
      return markTask(ctx, step)
    case "RetryMerge":
      return retryMerge(ctx, step, options.handlers)
    case "SnapshotOrphan":
    case "RemoveWorktree":
    case "DeleteBranch":
    case "PruneWorktrees":
      return Effect.flatMap(ctx.current, (s) =>
        orphanStep(ctx, step, snapshots, options.baseFor ?? (() => s.baseBranch))
      )
    case "Hold":
    case "Report":
    case "ContinueFromWave":
      return Effect.flatMap(ctx.current, (s) =>
        record(ctx.paths.journal, { key: `${s.batchId}:info`, phase: "info", kind: step._tag, data: step })
      )
  }
}

/** The steps one task's chain may hold: they touch that task's session, worktree and record only. */
const TASK_STEPS: ReadonlySet<PlanStep["_tag"]> = new Set(["StopSession", "SnapshotWip", "RelaunchAgent"])

type Indexed = readonly [number, PlanStep]

/**
 * With `concurrency` > 1: the plan's leading per-task steps (a plan lists them task by task first:
 * core/domain/Recovery.ts) grouped into one chain per task, and every step after them, in order.
 * With 1: every step in `rest`, the plan's own order.
 */
const splitTaskSteps = (
  steps: ReadonlyArray<PlanStep>,
  concurrency: number
): { readonly perTask: ReadonlyArray<ReadonlyArray<Indexed>>; readonly rest: ReadonlyArray<Indexed> } => {
  const indexed = steps.map((step, i) => [i, step] as const)
  if (concurrency <= 1) return { perTask: [], rest: indexed }
  let end = 0
  while (end < steps.length && TASK_STEPS.has(steps[end]!._tag)) end++
  const chains = new Map<string, Array<Indexed>>()
  for (const [i, step] of indexed.slice(0, end)) {
    const taskId = (step as { readonly taskId: string }).taskId
    const chain = chains.get(taskId) ?? []
    chain.push([i, step])
    chains.set(taskId, chain)
  }
  return { perTask: [...chains.values()], rest: indexed.slice(end) }
}

/** Carry out `plan` on `state`. */
export const applyPlan = Effect.fn("Apply.applyPlan")(function* (
  state: BatchState,
  plan: Plan,
  options: ApplyOptions = {}
) {
  // A plan may be applied again (an embedder retrying, a crash in between): start from what is saved —
  // the truth every earlier step already persisted — never from the snapshot the plan was made from,
  // so nothing recorded is rolled back. (Clock ties make timestamps useless for "newer".)
  const saved = yield* (yield* StateStore).load(batchPaths(state.repoRoot, state.batchId).state).pipe(Effect.option)
  const latest = saved._tag === "Some" && saved.value._tag === "Loaded" ? saved.value.state : state
  const ctx = yield* makeApplying(latest)
  const snapshots = new Map<string, string>()
  const applied: Array<PlanStep> = []
  let continueFrom: number | undefined
  const concurrency = Math.max(1, options.relaunchConcurrency ?? latest.options?.relaunchConcurrency ?? 1)
  // Renewals from overlapping tasks would race on the lease file's temp name: one at a time.
  const renewing = yield* Semaphore.make(1)
  const renew =
    options.lease === undefined
      ? Effect.void
      : Semaphore.withPermit(renewing, renewLease(options.lease.path, options.lease.self))
  const runIndexed = (i: number, step: PlanStep) =>
    Effect.gen(function* () {
      yield* crashPoint(`step:${i}:${step._tag}`)
      yield* runStep(ctx, step, options, snapshots)
      yield* renew
    })
  const { perTask, rest } = splitTaskSteps(plan.steps, concurrency)
  // Each task's own steps stay in order; up to `concurrency` tasks overlap.
  yield* Effect.forEach(
    perTask,
    (chain) => Effect.forEach(chain, ([i, step]) => runIndexed(i, step), { discard: true }),
    { concurrency, discard: true }
  )
  for (const chain of perTask) for (const [, step] of chain) applied.push(step)
  for (const [i, step] of rest) {
    yield* runIndexed(i, step)
    applied.push(step)
    if (step._tag === "ContinueFromWave") continueFrom = step.wave
  }
  const result: ApplyResult = { state: yield* ctx.current, applied, continueFrom }
  return result
})
