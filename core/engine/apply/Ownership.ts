/**
 * What rekindle may stop: a tmux session is rekindle's only when every pane in it carries a rekindle
 * ownership tag (`@rekindle_task`), or — in a batch imported from another orchestrator — when it is
 * exactly the session the host declared for the task. A user's session that merely carries a task's
 * name is never killed, whatever any plan or state says.
 */
import * as Effect from "effect/Effect"
import { hostDeclaresSessions, parseOwnershipTag } from "../../domain/Naming.ts"
import type { TmuxPane } from "../../domain/Signals.ts"
import type { BatchState } from "../../domain/State.ts"
import { Tmux, TmuxError } from "../../ports/Tmux.ts"

/** Whether a pane carries a rekindle ownership tag (a task's or a detached supervisor's). */
export const ownedPane = (pane: TmuxPane): boolean =>
  pane.taskTag !== undefined && (parseOwnershipTag(pane.taskTag) !== undefined || pane.taskTag.endsWith("/~supervisor"))

/** How a guarded stop ended. */
export type OwnedStop = "killed" | "absent" | "foreign"

/**
 * Kill the session `name` if rekindle owns it (see the module note); `foreign` when it does not (it
 * is left alone), `absent` when there is no such session. A server that cannot be observed is not
 * acted on (Unreachable): ownership cannot be checked.
 */
export const killOwnedSession = (state: BatchState, name: string): Effect.Effect<OwnedStop, TmuxError, Tmux> =>
  Effect.gen(function* () {
    const tmux = yield* Tmux
    const snap = yield* tmux.snapshot
    if (snap.state === "no-server") return "absent"
    if (snap.state === "unknown")
      return yield* new TmuxError({
        reason: "Unreachable",
        message: `cannot check who owns session ${name}: ${snap.reason}`
      })
    const panes = snap.panes.filter((p) => p.sessionName === name)
    if (panes.length === 0) return "absent"
    const declared = hostDeclaresSessions(state) && state.tasks.some((t) => t.session === name)
    if (!declared && !panes.every(ownedPane)) return "foreign"
    yield* tmux.killSession({ name }).pipe(
      Effect.catchIf(
        (e) => e.reason === "NotFound",
        () => Effect.void
      )
    )
    return "killed"
  })

/** Whether the session `name` exists and is not rekindle's (a launch must then use another name). */
export const foreignSession = (state: BatchState, name: string): Effect.Effect<boolean, never, Tmux> =>
  Effect.gen(function* () {
    const snap = yield* (yield* Tmux).snapshot
    if (snap.state !== "up") return false
    const panes = snap.panes.filter((p) => p.sessionName === name)
    return (
      panes.length > 0 &&
      !(hostDeclaresSessions(state) && state.tasks.some((t) => t.session === name)) &&
      !panes.every(ownedPane)
    )
  })
