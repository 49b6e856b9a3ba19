/**
 * Relaunches verified: a relaunched agent whose pane dies at once (a wrong command, a missing
 * binary, a kind that does not fit the task) is reported as such, not counted as applied. After a
 * plan's relaunches, their sessions are watched for a short window; a pane that died with a non-zero
 * status or a signal, or a session that vanished, is a launch that failed. An agent that finished
 * (status 0) inside the window is not a failure.
 */
import * as Effect from "effect/Effect"
import type { BatchState } from "../../domain/State.ts"
import type { TmuxPane } from "../../domain/Signals.ts"
import { Tmux } from "../../ports/Tmux.ts"

/** A relaunch whose agent did not survive the verification window. */
export interface FailedLaunch {
  readonly taskId: string
  readonly session: string
  /** The exit status, or undefined when it was killed by a signal or its session vanished. */
  readonly exitStatus: number | undefined
  readonly reason: string
}

/** Default window a relaunched agent must survive. */
export const VERIFY_LAUNCH_MS = 1_000
const POLL_MS = 100

const failure = (
  taskId: string,
  session: string,
  pane: TmuxPane | undefined,
  final: boolean
): FailedLaunch | undefined => {
  if (pane === undefined)
    return { taskId, session, exitStatus: undefined, reason: `session ${session} vanished right after the relaunch` }
  if (!pane.dead || pane.deadStatus === 0) return undefined
  // tmux has not reported how it ended yet: wait for it (until the window closes).
  if (pane.deadStatus === undefined && pane.deadSignal === undefined && !final) return undefined
  if (pane.deadSignal !== undefined)
    return {
      taskId,
      session,
      exitStatus: undefined,
      reason: `its agent was killed by signal ${pane.deadSignal} at once`
    }
  return {
    taskId,
    session,
    exitStatus: pane.deadStatus,
    reason:
      pane.deadStatus === undefined
        ? "its agent exited at once"
        : `its agent exited at once with status ${pane.deadStatus} (see its log; is the agent kind or command right?)`
  }
}

/** Watch the sessions of `taskIds` (as `state` records them) for `windowMs`; the relaunches that died. */
export const launchesThatDied = Effect.fn("Apply.launchesThatDied")(function* (
  state: BatchState,
  taskIds: ReadonlyArray<string>,
  windowMs: number
) {
  const watched = taskIds.flatMap((id) => {
    const session = state.tasks.find((t) => t.id === id)?.session
    return session === undefined ? [] : [{ taskId: id, session }]
  })
  const died = new Map<string, FailedLaunch>()
  if (watched.length === 0 || windowMs <= 0) return []
  const tmux = yield* Tmux
  for (let waited = 0; ; waited += POLL_MS) {
    const final = waited >= windowMs
    const snap = yield* tmux.snapshot.pipe(Effect.option)
    // tmux unreachable: nothing can be concluded (never a false "died").
    if (snap._tag === "Some" && snap.value.state !== "unknown") {
      const panes = snap.value.state === "up" ? snap.value.panes : []
      for (const w of watched) {
        if (died.has(w.taskId)) continue
        const f = failure(
          w.taskId,
          w.session,
          panes.find((p) => p.sessionName === w.session),
          final
        )
        if (f !== undefined) died.set(w.taskId, f)
      }
    }
    if (final || died.size === watched.length) break
    yield* Effect.sleep(POLL_MS)
  }
  return [...died.values()]
})
