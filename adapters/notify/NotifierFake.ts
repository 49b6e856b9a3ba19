/**
 * The fake Notifier: a table of installed programs (by argv[0]) that either record what they receive
 * on stdin or fail; anything else is not found. State, not a spy: tests read what each program got.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Notifier, NotifierError, type NotifierShape } from "../../core/ports/Notifier.ts"

/** The fake's world: installed programs and what they received. */
export class NotifyPrograms {
  private readonly programs = new Map<string, "record" | "fail">()
  private readonly received = new Map<string, Array<string>>()

  /** Install `name`: it records its stdin, or exits non-zero. */
  install(name: string, behaviour: "record" | "fail" = "record"): this {
    this.programs.set(name, behaviour)
    return this
  }

  /** Every stdin `name` received, in order. */
  receivedBy(name: string): ReadonlyArray<string> {
    return this.received.get(name) ?? []
  }

  /** The Notifier over this world. */
  readonly notifier: NotifierShape = {
    notify: (argv, payload) =>
      Effect.suspend(() => {
        const name = argv[0] ?? ""
        const behaviour = this.programs.get(name)
        if (behaviour === undefined)
          return Effect.fail(new NotifierError({ reason: "NotFound", message: `${name}: not found` }))
        if (behaviour === "fail")
          return Effect.fail(new NotifierError({ reason: "Failed", message: `${name} exited 1` }))
        this.received.set(name, [...(this.received.get(name) ?? []), payload])
        return Effect.void
      })
  }

  /** The layer. */
  layer(): Layer.Layer<Notifier> {
    return Layer.succeed(Notifier, this.notifier)
  }
}
