/**
 * From a mapped {@link ForeignBatch} to a rekindle `BatchState`: defaults filled, waves planned when
 * absent, and every problem listed at once (unsafe ids, unknown or unplaced tasks, paths outside the
 * repo, Schema violations, tasks rekindle could not launch or merge for want of a worktree or branch)
 * so an adapter author fixes them in one pass. Pure and total.
 */
import { issueLines } from "../domain/SchemaProblems.ts"
import * as Result from "effect/Result"
import { SAFE_ID_PATTERN, type ProcessIdentity } from "../domain/Ids.ts"
import { MANIFEST_DEFAULTS } from "../domain/Manifest.ts"
import { migrateState } from "../domain/Migrate.ts"
import { STATE_VERSION, type BatchError, type BatchState, type Lane, type Task } from "../domain/State.ts"
import { describeWaveProblem, planWaves } from "../domain/Waves.ts"
import { isInside } from "../domain/Layout.ts"
import { worktreeFor } from "../domain/Naming.ts"
import { tmuxSocketProblem } from "../domain/SocketName.ts"
import { workspaceProblems } from "../domain/Workspaces.ts"
import type { ForeignBatch, ForeignTask } from "./Foreign.ts"

const started = (t: ForeignTask): boolean =>
  t.startedAt !== undefined || !(t.status === "pending" || t.status === "blocked")

/** Options of {@link toBatchState}. */
export interface MappingOptions {
  /**
   * The identity (pid + start time + host) of a task's recorded agent process, resolved against the
   * process table by the caller (importState does); undefined: not alive, or not recorded.
   */
  readonly agentIdentity?: (task: ForeignTask) => ProcessIdentity | undefined
}

const taskOf = (b: ForeignBatch, t: ForeignTask, options: MappingOptions): Task => {
  const agentProcess = t.agentProcess === undefined ? undefined : options.agentIdentity?.(t)
  return {
    ...taskFacts(b, t),
    ...(agentProcess === undefined ? {} : { agentProcess })
  }
}

const taskFacts = (b: ForeignBatch, t: ForeignTask): Task => ({
  id: t.id,
  status: t.status,
  dependsOn: t.dependsOn ?? [],
  agent: (t.agent ?? b.agent)!,
  prompt: t.prompt ?? `Continue task ${t.id} of batch ${b.batchId} (imported from ${b.source}).`,
  attempts: t.attempts ?? (started(t) ? 1 : 0),
  ...(t.command === undefined ? {} : { command: t.command }),
  ...(t.lane === undefined ? {} : { lane: t.lane }),
  ...(t.session === undefined ? {} : { session: t.session }),
  ...(t.worktree === undefined ? {} : { worktree: t.worktree }),
  // The host's worktree and branch are never rekindle's to remove; rekindle's own path (a task the host
  // never allocated) is marked rekindle's when rekindle creates it at launch (WaveLoop.ts).
  ...(t.worktree === undefined || t.worktree === worktreeFor(b.repoRoot.replace(/\/+$/, ""), b.batchId, t.id)
    ? {}
    : { worktreeOwner: "host" as const }),
  ...(t.branch === undefined ? {} : { branch: t.branch }),
  ...(t.doneMarker === undefined ? {} : { doneMarker: t.doneMarker }),
  ...(t.otherDoneMarkers === undefined || t.otherDoneMarkers.length === 0
    ? {}
    : { otherDoneMarkers: t.otherDoneMarkers }),
  ...(t.conversationId === undefined ? {} : { conversationId: t.conversationId }),
  ...(t.startedAt === undefined ? {} : { startedAt: t.startedAt }),
  ...(t.endedAt === undefined ? {} : { endedAt: t.endedAt }),
  ...(t.exitReason === undefined ? {} : { exitReason: t.exitReason })
})

/** Problems of ids, waves, lanes and paths (the Schema checks the rest). */
const structuralProblems = (b: ForeignBatch, waves: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const ids = new Set(b.tasks.map((t) => t.id))
  if (!SAFE_ID_PATTERN.test(b.batchId))
    problems.push(`batch id "${b.batchId}" is not 1-64 characters of [A-Za-z0-9_-] (not starting with '-')`)
  for (const t of b.tasks) {
    if (!SAFE_ID_PATTERN.test(t.id))
      problems.push(`task id "${t.id}" is not 1-64 characters of [A-Za-z0-9_-] (not starting with '-')`)
    if (t.agent === undefined && b.agent === undefined)
      problems.push(
        `task "${t.id}" names no agent: set its \`agent\` (or the batch's), the kind rekindle relaunches it with ("shell" with a \`command\` for a plain program); rekindle never guesses one`
      )
  }
  if (!b.repoRoot.startsWith("/")) problems.push(`repoRoot "${b.repoRoot}" is not an absolute path`)
  const socket = b.tmuxSocket === undefined ? undefined : tmuxSocketProblem(b.tmuxSocket)
  if (socket !== undefined) problems.push(socket)
  if (b.worktreeRoot !== undefined && !b.worktreeRoot.startsWith("/"))
    problems.push(`worktreeRoot "${b.worktreeRoot}" is not an absolute path`)
  const placed = new Map<string, number>()
  waves.forEach((wave, w) => {
    for (const id of wave) {
      if (!ids.has(id)) problems.push(`wave ${w + 1} names unknown task "${id}"`)
      else if (placed.has(id)) problems.push(`task "${id}" is in more than one wave`)
      else placed.set(id, w)
    }
  })
  for (const id of ids) if (!placed.has(id)) problems.push(`task "${id}" is in no wave`)
  for (const t of b.tasks) {
    for (const d of t.dependsOn ?? []) if (!ids.has(d)) problems.push(`task "${t.id}" depends on unknown task "${d}"`)
  }
  for (const lane of b.lanes ?? []) {
    for (const id of lane.tasks) if (!ids.has(id)) problems.push(`lane "${lane.id}" names unknown task "${id}"`)
  }
  for (const t of b.tasks) {
    for (const [what, path] of [
      ["worktree", t.worktree],
      ["done marker", t.doneMarker],
      ...(t.otherDoneMarkers ?? []).map((p) => ["done marker", p] as const)
    ] as const) {
      // The host's worktree root holds worktrees, and done markers only inside the task's own worktree.
      const ownPlace = what === "worktree" || (t.worktree !== undefined && isInside(t.worktree, path ?? ""))
      const inWorktreeRoot = ownPlace && b.worktreeRoot !== undefined && isInside(b.worktreeRoot, path ?? "")
      if (path !== undefined && !isInside(b.repoRoot, path) && !inWorktreeRoot)
        problems.push(`task "${t.id}": ${what} ${path} is outside the repo ${b.repoRoot}`)
    }
  }
  return problems
}

/** Map a foreign batch to a valid rekindle state, or list every problem. */
export const toBatchState = (
  b: ForeignBatch,
  options: MappingOptions = {}
): Result.Result<BatchState, ReadonlyArray<string>> => {
  // Every problem at once: the wave plan's, the structure's and the Schema's, never only the first kind found.
  const problems: Array<string> = []
  let waves = b.waves
  if (waves === undefined) {
    const planned = planWaves(b.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn ?? [] })))
    if (Result.isFailure(planned)) problems.push(...planned.failure.problems.map(describeWaveProblem))
    // One wave stands in for a plan that failed, so the checks below report the rest, not "in no wave" for all.
    waves = Result.isSuccess(planned) ? planned.success : [b.tasks.map((t) => t.id)]
  }
  problems.push(...structuralProblems(b, waves))
  const waveOf = new Map(waves.flatMap((ids, w) => ids.map((id) => [id, w] as const)))
  const lanes = (b.lanes ?? []).map(
    (l): Lane => ({
      id: l.id,
      wave: l.wave ?? Math.min(...l.tasks.map((id) => waveOf.get(id) ?? 0)),
      tasks: l.tasks,
      ...(l.branch === undefined ? {} : { branch: l.branch }),
      ...(l.session === undefined ? {} : { session: l.session }),
      ...(l.worktree === undefined ? {} : { worktree: l.worktree })
    })
  )
  const errors = (b.errors ?? []).map(
    (message): BatchError => ({
      at: b.updatedAt,
      code: `E_${b.source.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`,
      message
    })
  )
  const doc = {
    version: STATE_VERSION,
    batchId: b.batchId,
    phase: b.phase,
    repoRoot: b.repoRoot.replace(/\/+$/, ""),
    ...(b.worktreeRoot === undefined ? {} : { worktreeRoot: b.worktreeRoot.replace(/\/+$/, "") }),
    baseBranch: b.baseBranch,
    waves,
    tasks: b.tasks.map((t) => taskOf(b, t, options)),
    lanes,
    merges: (b.merges ?? []).map((m) => ({ ...m })),
    counters: {},
    errors,
    logCheckpoints: {},
    prompts: [],
    ...(b.tmuxSocket === undefined && b.merge === undefined
      ? {}
      : {
          options: {
            maxLanes: MANIFEST_DEFAULTS.maxLanes,
            failurePolicy: MANIFEST_DEFAULTS.failurePolicy,
            mergeFailurePolicy: MANIFEST_DEFAULTS.mergeFailurePolicy,
            stallTimeoutMs: MANIFEST_DEFAULTS.stallTimeoutSeconds * 1000,
            relaunchCap: MANIFEST_DEFAULTS.relaunchCap,
            ...(b.tmuxSocket === undefined ? {} : { tmuxSocket: b.tmuxSocket }),
            ...(b.merge === undefined ? {} : { mergePolicy: b.merge })
          }
        }),
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    importedFrom: { source: b.source, ...b.provenance }
  }
  // One Schema decides validity: the same one that reads state.json.
  const decoded = migrateState(doc)
  if (Result.isFailure(decoded))
    problems.push(...issueLines(decoded.failure.message).map((line) => `the mapped state does not decode: ${line}`))
  // A state rekindle could not carry on (a launch with no worktree, a merge with no branch) fails now, not mid-batch —
  // listed with the decode's problems, not after they are fixed: the rule reads only ids, statuses, worktrees,
  // branches, waves, lanes and the merge policy, which `doc` holds in their final form (built above from typed input).
  problems.push(...workspaceProblems(Result.isSuccess(decoded) ? decoded.success : (doc as unknown as BatchState)))
  return problems.length > 0 || Result.isFailure(decoded) ? Result.fail(problems) : Result.succeed(decoded.success)
}

/** What {@link mapForeignBatch} returns: the state, or every problem. Plain data. */
export type MappedBatch =
  | { readonly ok: true; readonly state: BatchState }
  | { readonly ok: false; readonly problems: ReadonlyArray<string> }

/** {@link toBatchState} with a plain result, for callers without Effect's data types (`rekindle/core`). */
export const mapForeignBatch = (b: ForeignBatch, options: MappingOptions = {}): MappedBatch => {
  const r = toBatchState(b, options)
  return Result.isSuccess(r) ? { ok: true, state: r.success } : { ok: false, problems: r.failure }
}
