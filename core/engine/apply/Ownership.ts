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
const ownedPane = (pane: TmuxPane): boolean =>
  pane.taskTag !== undefined && (parseOwnershipTag(pane.taskTag) !== undefined || pane.taskTag.endsWith("/~supervisor"))

/** Who owns the session `name` among `panes`: rekindle (every pane tagged, or host-declared), somebody else, or nobody. */
const ownerOf = (
  state: BatchState,
  panes: ReadonlyArray<TmuxPane>,
  name: string
): "rekindle" | "foreign" | "absent" => {
  const mine = panes.filter((p) => p.sessionName === name)
  if (mine.length === 0) return "absent"
  const declared = hostDeclaresSessions(state) && state.tasks.some((t) => t.session === name)
  return declared || mine.every(ownedPane) ? "rekindle" : "foreign"
}

/** How a guarded stop ended. */
type OwnedStop = "killed" | "absent" | "foreign"

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
    const owner = ownerOf(state, snap.panes, name)
    if (owner !== "rekindle") return owner
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
    return snap.state === "up" && ownerOf(state, snap.panes, name) === "foreign"
  })
