/**
 * Example adapter: a taskplane-style orchestrator (`<repo>/.pi/batch-state.json`, waves of lanes, one
 * tmux session + worktree + branch per lane, task folders with PROMPT.md and a `.DONE` marker).
 *
 * Mapping:
 * - batch id, base branch, wave plan, start/update times carry over; phase `launching` → `executing`;
 * - a task keeps its status (`blockedTaskIds` → `blocked`); its lane is `lane-<n>`; the task running
 *   in a lane gets the lane's tmux session (liveness is then read by exact session name) — finished
 *   and pending lane-mates do not, the session is not theirs —; every task gets the lane's worktree
 *   and branch (from the lane record of the same number, when present);
 * - the done marker is `<task folder>/.DONE`, looked for inside the lane worktree (where the agent
 *   writes it) unless `markers: "repo"`; the prompt is the folder's PROMPT.md;
 * - merge results become merge records (`partial`: the wave succeeded except the lane that failed);
 * - taskplane does not persist the dependency graph: pass `dependencies` to restore it. Without it,
 *   taskplane's own `blockedTaskIds` verdict is kept and no new blocking is inferred.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { Phase, TaskStatus } from "../domain/State.ts"
import { isInside } from "../domain/Layout.ts"
import type { ForeignBatch, ForeignLane, ForeignMerge, ForeignTask, ImportAdapter } from "./Foreign.ts"
import { TaskplaneState, type TaskplaneLane, type TaskplaneTask } from "./TaskplaneFormat.ts"

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
  /** Where `.DONE` is looked for: in the lane worktree (default) or in the main checkout. */
  readonly markers?: "worktree" | "repo"
  /** tmux socket of the lane sessions (default: the user's server). */
  readonly tmuxSocket?: string
}

/** What the adapter reads: the document and the task prompts. */
export interface TaskplaneRead {
  readonly doc: TaskplaneState
  readonly prompts: ReadonlyMap<string, string>
  readonly stateFile: string
}

const decode = Schema.decodeUnknownResult(TaskplaneState)
const trim = (p: string) => p.replace(/\/+$/, "")
const laneId = (n: number) => `lane-${n}`

/** Parse the text of a batch-state.json (throws a readable Error when it is not one). */
export const parseTaskplane = (text: string, path: string): TaskplaneState => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new Error(`${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  const doc = decode(json)
  if (Result.isFailure(doc)) throw new Error(`${path} is not a taskplane batch state: ${doc.failure.message}`)
  return doc.success
}

const markerOf = (options: TaskplaneOptions, t: TaskplaneTask, lane: TaskplaneLane | undefined): string => {
  const repo = trim(options.repoRoot)
  const folder = trim(t.taskFolder)
  const inWorktree = options.markers !== "repo" && lane !== undefined && isInside(repo, folder) && folder !== repo
  return inWorktree ? `${trim(lane.worktreePath)}${folder.slice(repo.length)}/.DONE` : `${folder}/.DONE`
}

const taskOf =
  (
    options: TaskplaneOptions,
    read: TaskplaneRead,
    lanes: ReadonlyMap<number, TaskplaneLane>,
    blocked: ReadonlySet<string>
  ) =>
  (t: TaskplaneTask): ForeignTask => {
    const lane = lanes.get(t.laneNumber)
    const status: TaskStatus = t.status === "pending" && blocked.has(t.taskId) ? "blocked" : t.status
    // Only the task running in a lane owns the lane's session: finished lane-mates must not read the
    // current task's agent as theirs (nor `repair` stop it as their lingering session).
    const current = status === "running" || status === "stalled"
    const prompt = read.prompts.get(t.taskId)
    const dependsOn = options.dependencies?.[t.taskId]
    return {
      id: t.taskId,
      status,
      lane: laneId(t.laneNumber),
      doneMarker: markerOf(options, t, lane),
      ...(current ? { session: t.sessionName } : {}),
      ...(lane === undefined ? {} : { worktree: trim(lane.worktreePath), branch: lane.branch }),
      ...(prompt === undefined ? {} : { prompt }),
      ...(dependsOn === undefined ? {} : { dependsOn }),
      ...(options.command === undefined ? {} : { command: options.command }),
      ...(t.startedAt === null ? {} : { startedAt: t.startedAt }),
      ...(t.endedAt === null ? {} : { endedAt: t.endedAt }),
      ...(t.exitReason === "" ? {} : { exitReason: t.exitReason })
    }
  }

/** The pure mapping: a taskplane batch in rekindle's terms. */
export const mapTaskplane =
  (options: TaskplaneOptions) =>
  (read: TaskplaneRead): ForeignBatch => {
    const { doc } = read
    const lanes = new Map(doc.lanes.map((l) => [l.laneNumber, l] as const))
    const phase: Phase = doc.phase === "launching" ? "executing" : doc.phase
    const foreignLanes = doc.lanes.map((l): ForeignLane => {
      const session = l.tmuxSessionName ?? l.laneSessionId
      return {
        id: laneId(l.laneNumber),
        tasks: l.taskIds,
        worktree: trim(l.worktreePath),
        branch: l.branch,
        ...(session === undefined ? {} : { session })
      }
    })
    // `partial`: the wave merged except the failed lane — a wave-wide success, then that lane's failure
    // (the later record wins for its lane), so rekindle never re-merges the lanes taskplane merged.
    const merges = (doc.mergeResults ?? []).flatMap((m): ReadonlyArray<ForeignMerge> => {
      const reason = m.failureReason === null ? {} : { reason: m.failureReason }
      if (m.status === "succeeded") return [{ wave: m.waveIndex, status: "succeeded", at: doc.updatedAt }]
      if (m.status === "failed" || m.failedLane === null)
        return [{ wave: m.waveIndex, status: "failed", at: doc.updatedAt, ...reason }]
      return [
        { wave: m.waveIndex, status: "succeeded", at: doc.updatedAt },
        { wave: m.waveIndex, lane: laneId(m.failedLane), status: "failed", at: doc.updatedAt, ...reason }
      ]
    })
    return {
      source: "taskplane",
      batchId: doc.batchId,
      repoRoot: trim(options.repoRoot),
      baseBranch: doc.baseBranch,
      phase,
      waves: doc.wavePlan,
      tasks: doc.tasks.map(taskOf(options, read, lanes, new Set(doc.blockedTaskIds ?? []))),
      lanes: foreignLanes,
      merges,
      errors: doc.errors ?? [],
      createdAt: doc.startedAt,
      updatedAt: doc.updatedAt,
      agent: options.agent ?? (options.command === undefined ? "claude" : "shell"),
      ...(options.tmuxSocket === undefined ? {} : { tmuxSocket: options.tmuxSocket }),
      provenance: { path: read.stateFile, schemaVersion: doc.schemaVersion }
    }
  }

/** The taskplane adapter: reads the state file and each task's PROMPT.md. */
export const taskplane = (options: TaskplaneOptions): ImportAdapter<TaskplaneRead> => {
  const stateFile = options.stateFile ?? `${trim(options.repoRoot)}/.pi/batch-state.json`
  return {
    name: "taskplane",
    location: stateFile,
    read: async (io) => {
      const text = await io.readText(stateFile)
      if (text === undefined) return undefined
      const doc = parseTaskplane(text, stateFile)
      const prompts = new Map<string, string>()
      for (const t of doc.tasks) {
        const prompt = await io.readText(`${trim(t.taskFolder)}/PROMPT.md`)
        if (prompt !== undefined) prompts.set(t.taskId, prompt)
      }
      return { doc, prompts, stateFile }
    },
    map: mapTaskplane(options)
  }
}
