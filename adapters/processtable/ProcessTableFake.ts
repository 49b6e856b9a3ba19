/**
 * Fake ProcessTable over the FakeWorld's {@link ProcWorld}: same answers as /proc would give for the
 * fake machine, including an unreadable table and pid reuse.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ProcessTable, ProcessTableError } from "../../core/ports/ProcessTable.ts"
import type { ProcessInfo } from "../../core/domain/Signals.ts"
import type { FakeProcess, ProcWorld } from "../testing/World.ts"

const info = (p: FakeProcess): ProcessInfo => ({ pid: p.pid, ppid: p.ppid, startTime: p.startTime, argv: p.argv })

/** Build the fake over `world`; `selfPid` is the fake supervisor's own process. */
export const make = (world: ProcWorld, selfPid: () => number): ProcessTable["Service"] => {
  const readable = <A>(f: () => A): Effect.Effect<A, ProcessTableError> =>
    Effect.suspend(() =>
      world.unreadable
        ? Effect.fail(new ProcessTableError({ reason: "Unavailable", message: "process table unreadable (fake)" }))
        : Effect.succeed(f())
    )
  return ProcessTable.of({
    snapshot: readable(() => world.list().map(info)),
    isAlive: (id) =>
      readable(() => {
        const p = world.get(id.pid)
        return p !== undefined && p.alive && p.startTime === id.startTime
      }),
    descendants: (pid) => readable(() => world.descendants(pid).map(info)),
    self: readable(() => {
      const p = world.get(selfPid())
      return { pid: p?.pid ?? 0, startTime: p?.startTime ?? "", host: world.host }
    }),
    signal: (id, sig) =>
      Effect.flatMap(
        readable(() => world.get(id.pid)),
        (p) => {
          if (p === undefined || !p.alive) return Effect.succeed(false)
          if (p.startTime !== id.startTime) {
            return Effect.fail(
              new ProcessTableError({ reason: "NotOwned", message: `pid ${id.pid} now belongs to another process` })
            )
          }
          return Effect.succeed(world.kill(id.pid, sig))
        }
      )
  })
}

/** Layer form of {@link make}. */
export const layer = (world: ProcWorld, selfPid: () => number): Layer.Layer<ProcessTable> =>
  Layer.succeed(ProcessTable, make(world, selfPid))
