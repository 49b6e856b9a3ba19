/**
 * The real Notifier: runs the notify argv through Exec (an argv array, never a shell), the event on
 * stdin, a 10 s timeout so a hung notifier cannot hold the supervisor up.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChildProcessSpawner } from "effect/process"
import { Notifier, NotifierError } from "../../core/ports/Notifier.ts"
import { exec } from "../exec/Exec.ts"

/** The layer (needs the child-process spawner). */
export const layer = Layer.effect(
  Notifier,
  Effect.gen(function* () {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    return Notifier.of({
      notify: (argv, payload) =>
        exec(argv[0] ?? "", argv.slice(1), { stdin: new TextEncoder().encode(payload), timeout: "10 seconds" }).pipe(
          Effect.provideService(ChildProcessSpawner.ChildProcessSpawner, spawner),
          Effect.mapError(
            (e) => new NotifierError({ reason: e.reason === "Spawn" ? "Failed" : e.reason, message: e.message })
          ),
          Effect.flatMap((r) =>
            r.exitCode === 0
              ? Effect.void
              : Effect.fail(
                  new NotifierError({
                    reason: "Failed",
                    message: `${argv[0]} exited ${r.exitCode}${r.stderr.trim() === "" ? "" : `: ${r.stderr.trim().slice(0, 200)}`}`
                  })
                )
          )
        )
    })
  })
)
