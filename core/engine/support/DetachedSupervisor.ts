/**
 * The detached supervisor: the supervising process itself runs in a tmux session on the batch's
 * socket (`rk-<batch>-supervisor`), holding the lease, so closing the terminal does not stop
 * supervision; attaching to that session shows its live view. Its pane is tagged
 * `<batch>/~supervisor`, which orphan detection never claims.
 */
import * as Effect from "effect/Effect"
import { supervisorSessionFor, supervisorTag } from "../../domain/Naming.ts"
import type { BatchState } from "../../domain/State.ts"
import { Tmux } from "../../ports/Tmux.ts"
import { fail } from "./Errors.ts"
import { batchPaths } from "../../domain/Layout.ts"

/** Where a detached supervisor runs, and whether this call started it. */
interface DetachedSupervisor {
  readonly session: string
  readonly started: boolean
}

/**
 * Start `argv` (a rekindle command that supervises the batch in the foreground) in the batch's
 * supervisor session, unless a live one is already there. A dead leftover pane is replaced.
 */
export const startDetachedSupervisor = Effect.fn("Detached.start")(function* (
  state: BatchState,
  argv: ReadonlyArray<string>
) {
  const tmux = yield* Tmux
  const session = supervisorSessionFor(state.batchId)
  const snap = yield* tmux.snapshot
  if (snap.state === "unknown") {
    return yield* fail("E_TMUX_UNAVAILABLE", `tmux did not answer: ${snap.reason}`, "check tmux with `rekindle doctor`")
  }
  const panes = snap.state === "up" ? snap.panes.filter((p) => p.taskTag === supervisorTag(state.batchId)) : []
  if (panes.some((p) => !p.dead)) return { session, started: false } satisfies DetachedSupervisor
  for (const p of panes) yield* tmux.killSession({ name: p.sessionName }).pipe(Effect.ignore)
  yield* tmux
    .newSession({
      name: session,
      cwd: state.repoRoot,
      argv,
      env: { REKINDLE_SUPERVISOR: "detached" },
      taskTag: supervisorTag(state.batchId),
      logFile: `${batchPaths(state.repoRoot, state.batchId).logs}/supervisor.log`
    })
    .pipe(
      Effect.mapError((e) =>
        fail(
          "E_TMUX_UNAVAILABLE",
          `cannot start the supervisor session ${session}: ${e.message}`,
          "check tmux with `rekindle doctor`"
        )
      )
    )
  return { session, started: true } satisfies DetachedSupervisor
})
