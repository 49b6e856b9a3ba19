/**
 * What rekindle may stop: a tmux session is rekindle's only when every pane in it carries a rekindle
 * ownership tag (`@rekindle_task`), or — in a batch imported from another orchestrator — when it is
 * exactly the session the host declared for the task and holds nothing but the task's pane. A user's
 * session that merely carries a task's name is never killed, whatever any plan or state says. A session
 * that mixes the task's panes with others (a window the host or the user opened beside the agent) is
 * never killed whole: only the task's panes are, and the session lives on with the rest.
 */
import * as Effect from "effect/Effect"
import { hostDeclaresSessions, parseOwnershipTag } from "../../domain/Naming.ts"
import type { TmuxPane } from "../../domain/Signals.ts"
import type { BatchState } from "../../domain/State.ts"
import { Tmux, TmuxError } from "../../ports/Tmux.ts"

/** Whether a pane carries a rekindle ownership tag (a task's or a detached supervisor's). */
const ownedPane = (pane: TmuxPane): boolean =>
  pane.taskTag !== undefined && (parseOwnershipTag(pane.taskTag) !== undefined || pane.taskTag.endsWith("/~supervisor"))

/**
 * Who owns the session `name` among `panes`: rekindle (every pane tagged, or a host-declared session whose only
 * untagged pane is its task's agent), `mixed` (rekindle's tagged panes — `panes`, the ones to stop — beside
 * others), somebody else, or nobody.
 */
const ownerOf = (
  state: BatchState,
  panes: ReadonlyArray<TmuxPane>,
  name: string
):
  | { readonly owner: "rekindle" | "foreign" | "absent" }
  | { readonly owner: "mixed"; readonly panes: ReadonlyArray<TmuxPane> } => {
  const inSession = panes.filter((p) => p.sessionName === name)
  if (inSession.length === 0) return { owner: "absent" }
  if (inSession.every(ownedPane)) return { owner: "rekindle" }
  const declared = hostDeclaresSessions(state) && state.tasks.some((t) => t.session === name)
  const tagged = inSession.filter(ownedPane)
  const untagged = inSession.filter((p) => !ownedPane(p))
  // The host's agent pane is the task's only when it is the one pane of the session the host declared: beside
  // another untagged pane (a monitor, a shell) nobody can tell which is the agent, so neither is touched.
  // rekindle only ever makes sessions, never adds panes: beside a tagged pane an untagged one is somebody else's.
  if (declared && untagged.length === 1 && tagged.length === 0) return { owner: "rekindle" }
  return tagged.length === 0 ? { owner: "foreign" } : { owner: "mixed", panes: tagged }
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
    const found = ownerOf(state, snap.panes, name)
    const gone = <R>(kill: Effect.Effect<void, TmuxError, R>) =>
      kill.pipe(
        Effect.catchIf(
          (e) => e.reason === "NotFound",
          () => Effect.void
        )
      )
    if (found.owner === "mixed") {
      for (const p of found.panes) yield* gone(tmux.killPane({ paneId: p.paneId }))
      return "killed"
    }
    if (found.owner !== "rekindle") return found.owner
    yield* gone(tmux.killSession({ name }))
    return "killed"
  })

/** The panes of session `name` a stop would take: all of them (rekindle's session), or rekindle's among others. */
export const ownedPanesIn = (
  state: BatchState,
  panes: ReadonlyArray<TmuxPane>,
  name: string
): ReadonlyArray<TmuxPane> => {
  const found = ownerOf(state, panes, name)
  return found.owner === "mixed"
    ? found.panes
    : found.owner === "rekindle"
      ? panes.filter((p) => p.sessionName === name)
      : []
}

/** Whether the session `name` exists and is not rekindle's (a launch must then use another name). */
export const foreignSession = (state: BatchState, name: string): Effect.Effect<boolean, never, Tmux> =>
  Effect.gen(function* () {
    const snap = yield* (yield* Tmux).snapshot
    // A mixed session is not the task's to launch into either: the launch takes the next free name.
    const owner = snap.state === "up" ? ownerOf(state, snap.panes, name).owner : "absent"
    return owner === "foreign" || owner === "mixed"
  })
