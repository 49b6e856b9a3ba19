/**
 * observe: every live signal for a batch in one read-only pass. The number of process spawns does
 * not grow with the number of tasks: one tmux snapshot, one process-table read (/proc: no spawn), one
 * `git worktree list`; done markers, transcripts and log times are stat/read of known paths. Dirty
 * status costs one `git status` per worktree, so it is asked only for the tasks a decision needs.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { isTerminal } from "../../domain/Evidence.ts"
import { setOwn } from "../../domain/Records.ts"
import { parseMarker } from "../../domain/Markers.ts"
import type { DoneMarker, ProcessSnapshot, Signals, TmuxStatus, WorktreeInfo } from "../../domain/Signals.ts"
import { parseOwnershipTag } from "../../domain/Naming.ts"
import type { BatchState } from "../../domain/State.ts"
import { AgentLauncher } from "../../ports/AgentLauncher.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { kindRequest } from "../waves/Launch.ts"

const readMarker = (fs: FileSystem.FileSystem, path: string): Effect.Effect<DoneMarker | undefined> =>
  fs.readFileString(path).pipe(
    Effect.map(parseMarker),
    Effect.catchReason("PlatformError", "NotFound", () => Effect.succeed(undefined)),
    Effect.catch(() => Effect.succeed<DoneMarker>({ valid: false }))
  )

/**
 * Only the processes a decision looks at (core/domain/EvidenceCore.ts): the programs of the batch's
 * panes (tagged with its id, or in a session one of its tasks names), their children, and the agents
 * its tasks recorded. The rest of the machine's process table — other users' commands with their
 * arguments — never enters the signals, so a logged plan or `observe --json` does not leak it.
 */
const batchProcesses = (state: BatchState, tmux: TmuxStatus, all: ProcessSnapshot): ProcessSnapshot => {
  if (all.state !== "known") return all
  const sessions = new Set(state.tasks.flatMap((t) => (t.session === undefined ? [] : [t.session])))
  const panePids = new Set(
    tmux.state === "up"
      ? tmux.panes
          .filter((p) => sessions.has(p.sessionName) || parseOwnershipTag(p.taskTag ?? "")?.batchId === state.batchId)
          .map((p) => p.panePid)
      : []
  )
  const agents = new Set(state.tasks.flatMap((t) => (t.agentProcess === undefined ? [] : [t.agentProcess.pid])))
  return {
    state: "known",
    processes: all.processes.filter((p) => panePids.has(p.pid) || panePids.has(p.ppid) || agents.has(p.pid))
  }
}

/** Observe the batch (everything but dirtiness, which {@link addDirty} adds where needed). */
export const observe = Effect.fn("Observe.observe")(function* (state: BatchState) {
  const tmux = yield* Tmux
  const procs = yield* ProcessTable
  const git = yield* Worktrees
  const launcher = yield* AgentLauncher
  const fs = yield* FileSystem.FileSystem
  const paths = batchPaths(state.repoRoot, state.batchId)

  const [tmuxStatus, processes, listed, host] = yield* Effect.all(
    [
      tmux.snapshot,
      procs.snapshot.pipe(
        Effect.map((ps): ProcessSnapshot => ({ state: "known", processes: ps })),
        Effect.catch((e) => Effect.succeed<ProcessSnapshot>({ state: "unknown", reason: e.message }))
      ),
      git.list(state.repoRoot).pipe(Effect.catch(() => Effect.succeed<ReadonlyArray<WorktreeInfo>>([]))),
      procs.self.pipe(
        Effect.map((s) => s.host),
        Effect.catch(() => Effect.succeed("unknown-host"))
      )
    ],
    { concurrency: "unbounded" }
  )

  const worktreePaths = state.tasks.flatMap((t) => (t.worktree === undefined ? [] : [t.worktree]))
  const pathStates = yield* git.pathStates(worktreePaths)

  const live = state.tasks.filter((t) => !isTerminal(t))
  const markers: Record<string, DoneMarker> = {}
  const transcripts: Record<string, boolean> = {}
  const lastOutputAt: Record<string, number> = {}
  yield* Effect.forEach(
    state.tasks,
    (t) =>
      Effect.gen(function* () {
        let m = yield* readMarker(fs, t.doneMarker ?? paths.marker(t.id))
        // The first of the other places that holds a marker speaks (imported batches only).
        for (const other of t.otherDoneMarkers ?? []) if (m === undefined) m = yield* readMarker(fs, other)
        if (m !== undefined) setOwn(markers, t.id, m)
      }),
    { concurrency: 16, discard: true }
  )
  yield* Effect.forEach(
    live,
    (t) =>
      Effect.gen(function* () {
        if (t.conversationId !== undefined && t.worktree !== undefined) {
          const check = yield* launcher
            // The task's own env and kind row decide where its agent wrote (CLAUDE_CONFIG_DIR, CODEX_HOME).
            .validateTranscript({ ...kindRequest(state, t), conversationId: t.conversationId, cwd: t.worktree })
            .pipe(Effect.catch(() => Effect.succeed({ valid: false, reason: "unreadable" })))
          setOwn(transcripts, t.conversationId, check.valid)
        }
        const info = yield* fs.stat(paths.log(t.id)).pipe(Effect.option)
        if (info._tag === "Some" && info.value.mtime._tag === "Some")
          setOwn(lastOutputAt, t.id, info.value.mtime.value.getTime())
      }),
    { concurrency: 16, discard: true }
  )

  const observedAt = yield* Clock.currentTimeMillis
  const signals: Signals = {
    observedAt,
    host,
    tmux: tmuxStatus,
    processes: batchProcesses(state, tmuxStatus, processes),
    worktrees: listed,
    paths: pathStates,
    markers,
    transcripts,
    lastOutputAt
  }
  return signals
})

/**
 * Add the dirty status of the worktrees of `taskIds` to `signals`: one `git status` each, so only
 * for the tasks whose decision depends on it (re-execute: snapshot first or not).
 */
export const addDirty = Effect.fn("Observe.addDirty")(function* (
  state: BatchState,
  signals: Signals,
  taskIds: ReadonlyArray<string>
) {
  const git = yield* Worktrees
  const wanted = new Set(taskIds)
  const dirty = new Map<string, boolean>()
  const targets = state.tasks.flatMap((t) =>
    wanted.has(t.id) && t.worktree !== undefined && signals.paths[t.worktree] === "present" ? [t.worktree] : []
  )
  yield* Effect.forEach(
    targets,
    (path) =>
      git.status(path).pipe(
        Effect.map((s) => void dirty.set(path, s.dirty)),
        Effect.catch(() => Effect.void)
      ),
    { concurrency: 4, discard: true }
  )
  if (dirty.size === 0) return signals
  const listed = new Set(signals.worktrees.map((w) => w.path))
  const extra: Array<WorktreeInfo> = [...dirty.keys()]
    .filter((p) => !listed.has(p))
    .map((path) => ({
      path,
      bare: false,
      detached: false,
      locked: false,
      prunable: false,
      dirty: dirty.get(path)!
    }))
  return {
    ...signals,
    worktrees: [
      ...signals.worktrees.map((w) => (dirty.has(w.path) ? { ...w, dirty: dirty.get(w.path)! } : w)),
      ...extra
    ]
  } satisfies Signals
})
