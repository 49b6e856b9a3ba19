/**
 * The pure mapping of a taskplane batch (read by Taskplane.ts) to rekindle's terms, following what
 * taskplane's own resume does (extensions/taskplane/resume.ts, merge.ts, persistence.ts):
 *
 * - merges target `orchBranch` (lanes are cut from and merged into it); the user's base branch only
 *   receives taskplane's final integration, so it is kept in the provenance, never merged into;
 * - a task not allocated to a lane yet (`laneNumber: 0`) has no lane: it gets rekindle's own worktree
 *   and branch, made when it launches, so a batch can be carried past taskplane's current wave;
 * - lane-mates share their lane's worktree (rekindle starts them one at a time);
 * - `.DONE` counts in every place taskplane looks: the task folder's path inside the lane worktree,
 *   the task folder, and `<parent>/archive/<folder>` of both; a multi-segment task whose persisted
 *   segment frontier is unfinished gets none (taskplane's #462 guard: a premature `.DONE` must not end it);
 * - a `partial` merge records only the failing lane: taskplane stopped at the first failing lane in
 *   merge order, so which others reached the target is unknown — every mergeable lane is merged again
 *   (a no-op for one already merged); `failedLane: -1` (the final ref update failed) fails the wave;
 * - `blockedTaskIds` → `blocked`, kept as taskplane's verdict even without `dependencies`;
 * - refused, with every reason at once: phase `launching` and a live supervisor lock (taskplane may
 *   still run the batch), an earlier wave's lane known unmerged whose branch taskplane no longer
 *   records (see `unrecordedLanes`), no base branch, workspace (polyrepo) mode.
 */
import { isInside } from "../domain/Layout.ts"
import { branchFor, worktreeFor } from "../domain/Naming.ts"
import type { Phase, TaskStatus } from "../domain/State.ts"
import * as Result from "effect/Result"
import {
  ImportRefusedError,
  type ForeignBatch,
  type ForeignLane,
  type ForeignProcess,
  type ForeignMerge,
  type ForeignTask,
  type ImportProblem
} from "./Foreign.ts"
import { toBatchState } from "./Mapping.ts"
import type { TaskplaneLane, TaskplaneState, TaskplaneTask } from "./TaskplaneFormat.ts"

/** Options of the taskplane adapter. */
export interface TaskplaneOptions {
  /** Absolute repository root the batch ran in. */
  readonly repoRoot: string
  /** Default `<repoRoot>/.pi/batch-state.json`. */
  readonly stateFile?: string
  /** Agent kind rekindle relaunches tasks with (default "claude"); `shell` needs `command`. */
  readonly agent?: string
  readonly command?: ReadonlyArray<string>
  /** Task id → ids it depends on (taskplane keeps these in its task folders, not in the state). */
  readonly dependencies?: Readonly<Record<string, ReadonlyArray<string>>>
  /** Where `.DONE` is looked for first: in the lane worktree (default) or in the main checkout. */
  readonly markers?: "worktree" | "repo"
  /** tmux socket of the lane sessions (default: the user's server). */
  readonly tmuxSocket?: string
  /** The branch merges target when the state names none (v1 files have no `baseBranch`). */
  readonly baseBranch?: string
}

/** What the adapter read: the document, the prompts, and what the machine said at import time. */
export interface TaskplaneRead {
  readonly doc: TaskplaneState
  readonly prompts: ReadonlyMap<string, string>
  readonly stateFile: string
  /**
   * Task id → its registry agent: its identity, alive when read; or only its pid when the reader
   * could not look at processes (importState then checks it against the process table).
   */
  readonly agents?: ReadonlyMap<string, ForeignProcess>
  /** A live supervisor lock, described. */
  readonly liveSupervisor?: string
  /** The repo's registered worktrees (`git worktree list`), read when a lane lies outside the repo. */
  readonly registered?: ReadonlySet<string>
}

/**
 * Lanes outside the repo (taskplane's `worktree_location: sibling`: `<repo>/../<op>-<batch>/<lane>`):
 * accepted when git has them registered as worktrees of the repo and they share one batch directory
 * that does not hold the repo — it becomes the batch's `worktreeRoot`. They are the host's: never
 * removed (docs/embedding.md). Otherwise every reason is given.
 */
const siblingLanes = (
  repo: string,
  read: TaskplaneRead
): { readonly worktreeRoot?: string; readonly problems: ReadonlyArray<string> } => {
  const outside = read.doc.lanes.map((l) => trim(l.worktreePath)).filter((p) => !isInside(repo, p))
  if (outside.length === 0) return { problems: [] }
  const problems = outside
    .filter((p) => read.registered?.has(p) !== true)
    .map(
      (p) =>
        `lane worktree ${p} lies outside the repo ${repo} and is not one of its registered worktrees (\`git worktree list\`): rekindle acts only on the repo's own worktrees`
    )
  const parents = [...new Set(outside.map(parentOf))]
  if (parents.length !== 1 || isInside(parents[0]!, repo))
    problems.push(
      `lane worktrees outside the repo must share one batch directory beside it (taskplane's \`<repo>/../<op>-<batch>/\`), not ${parents.join(", ")}`
    )
  return problems.length > 0 ? { problems } : { worktreeRoot: parents[0]!, problems }
}

const trim = (p: string) => p.replace(/\/+$/, "")
const laneId = (n: number) => `lane-${n}`
const parentOf = (p: string) => p.slice(0, p.lastIndexOf("/"))
const nameOf = (p: string) => p.slice(p.lastIndexOf("/") + 1)

/** `<folder>/.DONE` and, unless the folder is archived already, `<parent>/archive/<name>/.DONE`. */
const doneCandidates = (folder: string): ReadonlyArray<string> =>
  nameOf(parentOf(folder)).toLowerCase() === "archive"
    ? [`${folder}/.DONE`]
    : [`${folder}/.DONE`, `${parentOf(folder)}/archive/${nameOf(folder)}/.DONE`]

/** Every place `.DONE` counts for a task, the one its agent writes first. */
const markersOf = (
  options: TaskplaneOptions,
  t: TaskplaneTask,
  lane: TaskplaneLane | undefined
): ReadonlyArray<string> => {
  if (t.taskFolder === "") return []
  const repo = trim(options.repoRoot)
  const folder = trim(t.taskFolder)
  const inRepo = doneCandidates(folder)
  if (lane === undefined || !isInside(repo, folder) || folder === repo) return inRepo
  const inWorktree = doneCandidates(`${trim(lane.worktreePath)}${folder.slice(repo.length)}`)
  return options.markers === "repo" ? [...inRepo, ...inWorktree] : [...inWorktree, ...inRepo]
}

/** Whether the task has more than one segment and not all of them finished (succeeded or skipped). */
const unfinishedFrontier = (doc: TaskplaneState, t: TaskplaneTask): boolean => {
  const records = (doc.segments ?? []).filter((s) => s.taskId === t.taskId)
  const count = Math.max(records.length, t.segmentIds?.length ?? 0)
  if (count < 2) return false
  const finished = new Set(
    records.filter((s) => s.status === "succeeded" || s.status === "skipped").map((s) => s.segmentId)
  )
  return (t.segmentIds ?? records.map((s) => s.segmentId)).some((id) => !finished.has(id))
}

/** Merge results in rekindle's ledger (see the header for `partial` and `failedLane: -1`). */
const mergesOf = (doc: TaskplaneState): ReadonlyArray<ForeignMerge> =>
  (doc.mergeResults ?? []).map((m): ForeignMerge => {
    const reason = m.failureReason === null ? {} : { reason: m.failureReason }
    if (m.status === "succeeded") return { wave: m.waveIndex, status: "succeeded", at: doc.updatedAt }
    if (m.status === "partial" && m.failedLane !== null && m.failedLane >= 1)
      return { wave: m.waveIndex, lane: laneId(m.failedLane), status: "failed", at: doc.updatedAt, ...reason }
    return { wave: m.waveIndex, status: "failed", at: doc.updatedAt, ...reason }
  })

/**
 * The lanes of earlier waves taskplane no longer records (its lane records are the current wave's,
 * and it reuses a lane's worktree and branch from wave to wave), with succeeded work, in a wave whose
 * merge is not recorded as succeeded. Their branches now carry another wave's work, so rekindle can
 * merge none of them. A lane the merge result names as failed (or a wave whose whole merge failed)
 * holds work known not to have reached the target: refused. Any other such lane taskplane moved
 * past — it merges a wave's lanes before the next wave resets them — is recorded as merged, with a
 * warning in the batch's errors. Without merge results (older files) nothing is said about them.
 */
const unrecordedLanes = (
  doc: TaskplaneState
): { merged: ReadonlyArray<ForeignMerge>; refused: ReadonlyArray<string>; warnings: ReadonlyArray<string> } => {
  const merged: Array<ForeignMerge> = []
  const refused: Array<string> = []
  const warnings: Array<string> = []
  if (doc.mergeResults === undefined) return { merged, refused, warnings }
  const recorded = new Set(doc.lanes.flatMap((l) => l.taskIds))
  const byId = new Map(doc.tasks.map((t) => [t.taskId, t] as const))
  doc.wavePlan.forEach((ids, w) => {
    const lanes = [
      ...new Set(
        ids.flatMap((id) => {
          const t = byId.get(id)
          return t !== undefined && t.status === "succeeded" && t.laneNumber >= 1 && !recorded.has(id)
            ? [t.laneNumber]
            : []
        })
      )
    ]
    const latest = doc.mergeResults!.filter((m) => m.waveIndex === w).at(-1)
    if (lanes.length === 0 || latest?.status === "succeeded") return
    const failedLane = latest?.status === "partial" ? latest.failedLane : null
    const lost = lanes.filter((n) => latest?.status === "failed" || failedLane === -1 || failedLane === n)
    if (lost.length > 0)
      refused.push(
        `wave ${w + 1}'s merge ${latest?.status === "failed" || failedLane === -1 ? "failed" : `failed in lane ${failedLane}`}, and taskplane no longer records the branch of lane(s) ${lost.join(", ")} (its lane records are a later wave's; lane branches are reused from wave to wave): rekindle cannot tell which commits to merge — finish that merge with taskplane (or merge by hand), then import again`
      )
    const moved = lanes.filter((n) => !lost.includes(n))
    if (moved.length === 0) return
    const reason = `taskplane moved past wave ${w + 1}: lane(s) ${moved.join(", ")} taken as merged (their branches now carry a later wave's work)`
    for (const n of moved) merged.push({ wave: w, lane: laneId(n), status: "succeeded", at: doc.updatedAt, reason })
    warnings.push(reason)
  })
  return { merged, refused, warnings }
}

/**
 * The refusals that say taskplane may still be running the batch: a live supervisor lock, phase `launching`. Read
 * also when the state does not decode, so a file its orchestrator still owns is never presented as one to fix.
 */
export const runningRefusals = (
  liveSupervisor: string | undefined,
  phase: unknown,
  batchId: unknown
): ReadonlyArray<ImportProblem> => [
  ...(liveSupervisor === undefined
    ? []
    : [{ code: "E_LOCKED" as const, message: `${liveSupervisor}: taskplane is still supervising the batch` }]),
  ...(phase === "launching"
    ? [
        {
          code: "E_NOT_RESUMABLE" as const,
          message: `batch ${String(batchId)} is launching: taskplane's orchestrator may still be starting it (taskplane itself refuses to resume it)`
        }
      ]
    : [])
]

/** Why the batch cannot be imported now, every reason at once (the most decisive first). */
const refusals = (options: TaskplaneOptions, read: TaskplaneRead, target: string): ReadonlyArray<ImportProblem> => {
  const { doc } = read
  const out: Array<ImportProblem> = []
  out.push(...runningRefusals(read.liveSupervisor, doc.phase, doc.batchId))
  if (doc.mode === "workspace")
    out.push({
      code: "E_UNSUPPORTED",
      message: `batch ${doc.batchId} runs in taskplane's workspace (polyrepo) mode: its lanes live in several repositories, and a rekindle batch lives in one`
    })
  for (const message of unrecordedLanes(doc).refused) out.push({ code: "E_NOT_RESUMABLE", message })
  for (const message of siblingLanes(trim(options.repoRoot), read).problems)
    out.push({ code: "E_STATE_CORRUPT", message })
  if (target === "")
    out.push({
      code: "E_STATE_CORRUPT",
      message: `${read.stateFile} records no base branch (${doc.baseBranch === undefined ? "a v1 file" : '"baseBranch": ""'}) and no orchBranch: where its lanes merge is unknown; name it (${options.baseBranch === undefined ? "option baseBranch, CLI --base-branch" : "the baseBranch option is empty"})`
    })
  return out
}

const taskOf =
  (options: TaskplaneOptions, read: TaskplaneRead, laneOfTask: ReadonlyMap<string, TaskplaneLane>) =>
  (t: TaskplaneTask): ForeignTask => {
    const { doc } = read
    const repo = trim(options.repoRoot)
    const lane = laneOfTask.get(t.taskId)
    const status: TaskStatus =
      t.status === "pending" && (doc.blockedTaskIds ?? []).includes(t.taskId) ? "blocked" : t.status
    // Only the task running in a lane owns the lane's session: finished lane-mates must not read the
    // current task's agent as theirs (nor `repair` stop it as their lingering session).
    const current = (status === "running" || status === "stalled") && t.sessionName !== ""
    const neverRan = (status === "pending" || status === "blocked") && t.startedAt === null
    // Never allocated: rekindle's own worktree and branch, made from the target when it launches.
    const own = t.laneNumber === 0 && lane === undefined && neverRan
    const place =
      lane !== undefined
        ? { worktree: trim(lane.worktreePath), branch: lane.branch }
        : own
          ? { worktree: worktreeFor(repo, doc.batchId, t.taskId), branch: branchFor(doc.batchId, t.taskId) }
          : {}
    const markers = unfinishedFrontier(doc, t) ? [] : markersOf(options, t, lane)
    const prompt = read.prompts.get(t.taskId)
    const dependsOn = options.dependencies?.[t.taskId]
    const agentProcess = read.agents?.get(t.taskId)
    return {
      id: t.taskId,
      status,
      ...(t.laneNumber === 0 ? {} : { lane: laneId(t.laneNumber) }),
      ...(markers.length === 0 ? {} : { doneMarker: markers[0]!, otherDoneMarkers: markers.slice(1) }),
      ...(current ? { session: t.sessionName } : {}),
      ...place,
      ...(agentProcess === undefined ? {} : { agentProcess }),
      ...(prompt === undefined ? {} : { prompt }),
      ...(dependsOn === undefined ? {} : { dependsOn }),
      ...(options.command === undefined ? {} : { command: options.command }),
      ...(t.startedAt === null ? {} : { startedAt: t.startedAt }),
      ...(t.endedAt === null ? {} : { endedAt: t.endedAt }),
      ...(t.exitReason === "" ? {} : { exitReason: t.exitReason })
    }
  }

/** The pure mapping; throws {@link ImportRefusedError} listing every problem when the batch is refused. */
export const mapTaskplane =
  (options: TaskplaneOptions) =>
  (read: TaskplaneRead): ForeignBatch => {
    const { doc } = read
    const orch = doc.orchBranch ?? ""
    const base = doc.baseBranch ?? ""
    const target = orch !== "" ? orch : base !== "" ? base : (options.baseBranch ?? "")
    // The lane a task ran in: the current wave's lane record listing it (lane numbers repeat per wave).
    const laneOfTask = new Map(doc.lanes.flatMap((l) => l.taskIds.map((id) => [id, l] as const)))
    const phase: Phase = doc.phase === "launching" ? "executing" : doc.phase
    const lanes = doc.lanes.map((l): ForeignLane => {
      const session = l.laneSessionId ?? l.tmuxSessionName
      return {
        id: laneId(l.laneNumber),
        tasks: l.taskIds,
        worktree: trim(l.worktreePath),
        branch: l.branch,
        ...(session === undefined || session === "" ? {} : { session })
      }
    })
    const sibling = siblingLanes(trim(options.repoRoot), read)
    const unfinished = doc.tasks.filter((t) => unfinishedFrontier(doc, t)).map((t) => t.taskId)
    const earlier = unrecordedLanes(doc)
    const batch: ForeignBatch = {
      source: "taskplane",
      batchId: doc.batchId,
      repoRoot: trim(options.repoRoot),
      baseBranch: target,
      phase,
      waves: doc.wavePlan,
      tasks: doc.tasks.map(taskOf(options, read, laneOfTask)),
      lanes,
      merges: [...mergesOf(doc), ...earlier.merged],
      errors: [
        ...(doc.errors ?? []),
        ...earlier.warnings,
        ...unfinished.map(
          (id) => `${id}: taskplane segment frontier unfinished: its .DONE is not trusted (taskplane's #462 guard)`
        )
      ],
      createdAt: doc.startedAt,
      updatedAt: doc.updatedAt,
      agent: options.agent ?? (options.command === undefined ? "claude" : "shell"),
      ...(sibling.worktreeRoot === undefined ? {} : { worktreeRoot: sibling.worktreeRoot }),
      ...(options.tmuxSocket === undefined ? {} : { tmuxSocket: options.tmuxSocket }),
      provenance: {
        path: read.stateFile,
        schemaVersion: doc.schemaVersion,
        baseBranch: base,
        ...(orch === "" ? {} : { orchBranch: orch })
      }
    }
    const refused = refusals(options, read, target)
    if (refused.length === 0) return batch
    // Refused: the mapping's own problems are listed too, so one pass shows everything to fix.
    const mapped = toBatchState({ ...batch, baseBranch: target === "" ? "unknown" : target })
    const more = Result.isFailure(mapped)
      ? mapped.failure.map((message): ImportProblem => ({ code: "E_STATE_CORRUPT", message }))
      : []
    throw new ImportRefusedError([...refused, ...more])
  }
