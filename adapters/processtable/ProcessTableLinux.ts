/**
 * Real ProcessTable adapter: reads /proc directly (no process spawn at all, whatever the number of
 * processes), falling back to one `ps` where /proc is absent.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import { ProcessTable, ProcessTableError } from "../../core/ports/ProcessTable.ts"
import type { ProcessInfo } from "../../core/domain/Signals.ts"
import { exec } from "../exec/Exec.ts"
import { parseCmdline, parsePs, parseStat, startTimeOf } from "./ProcStat.ts"
import type { ChildProcessSpawner } from "effect/process"

const readOrUndefined = (path: string): string | undefined => {
  try {
    return fs.readFileSync(path, "utf8")
  } catch {
    return undefined // the process exited between readdir and read: not an error
  }
}

const bootId = (): string => readOrUndefined("/proc/sys/kernel/random/boot_id")?.trim() ?? "noboot"

const readOne = (boot: string, pid: number): ProcessInfo | undefined => {
  const stat = readOrUndefined(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  const parsed = parseStat(stat)
  if (parsed === undefined || parsed.zombie) return undefined
  const argv = parseCmdline(readOrUndefined(`/proc/${pid}/cmdline`) ?? "")
  return { pid, ppid: parsed.ppid, startTime: startTimeOf(boot, parsed.startTicks), argv }
}

const fromProc = Effect.try({
  try: (): ReadonlyArray<ProcessInfo> => {
    const boot = bootId()
    return fs.readdirSync("/proc").flatMap((name) => {
      if (!/^\d+$/.test(name)) return []
      const info = readOne(boot, Number(name))
      return info === undefined ? [] : [info]
    })
  },
  catch: (e) => new ProcessTableError({ reason: "Unavailable", message: `cannot read /proc: ${String(e)}` })
})

/** Build the adapter; needs a ChildProcessSpawner only for the `ps` fallback. */
export const make = Effect.gen(function* () {
  const spawner = yield* Effect.context<ChildProcessSpawner.ChildProcessSpawner>()
  const hasProc = fs.existsSync("/proc/self/stat")
  const snapshot: Effect.Effect<ReadonlyArray<ProcessInfo>, ProcessTableError> = hasProc
    ? fromProc
    : exec("ps", ["-A", "-o", "pid=", "-o", "ppid=", "-o", "lstart=", "-o", "args="], { timeout: "10 seconds" }).pipe(
        Effect.provideContext(spawner),
        Effect.mapError(
          (e) =>
            new ProcessTableError({ reason: e.reason === "Timeout" ? "Timeout" : "Unavailable", message: e.message })
        ),
        Effect.flatMap((r) =>
          r.exitCode === 0
            ? Effect.succeed(parsePs(r.stdout))
            : Effect.fail(new ProcessTableError({ reason: "Unavailable", message: r.stderr.trim() }))
        )
      )
  const lookup = (pid: number) =>
    hasProc ? Effect.sync(() => readOne(bootId(), pid)) : Effect.map(snapshot, (all) => all.find((p) => p.pid === pid))
  const isAlive = (id: { readonly pid: number; readonly startTime: string }) =>
    Effect.map(lookup(id.pid), (p) => p !== undefined && p.startTime === id.startTime)
  return ProcessTable.of({
    snapshot,
    isAlive,
    descendants: (pid) => Effect.map(snapshot, (all) => descendantsOf(all, pid)),
    self: Effect.flatMap(lookup(process.pid), (p) =>
      p === undefined
        ? Effect.fail(new ProcessTableError({ reason: "Unavailable", message: "cannot read own process entry" }))
        : Effect.succeed({ pid: p.pid, startTime: p.startTime, host: os.hostname() })
    ),
    signal: (id, sig) =>
      Effect.flatMap(lookup(id.pid), (p) => {
        if (p === undefined) return Effect.succeed(false)
        if (p.startTime !== id.startTime) {
          return Effect.fail(
            new ProcessTableError({
              reason: "NotOwned",
              message: `pid ${id.pid} now belongs to another process (${p.argv.join(" ")})`
            })
          )
        }
        return Effect.try({
          try: () => process.kill(id.pid, sig),
          catch: (e) => new ProcessTableError({ reason: "Unavailable", message: String(e) })
        }).pipe(Effect.catch(() => Effect.succeed(false)))
      })
  })
})

/** Live descendants of `pid` from a snapshot (breadth-first, children before grandchildren). */
const descendantsOf = (all: ReadonlyArray<ProcessInfo>, pid: number): ReadonlyArray<ProcessInfo> => {
  const byParent = new Map<number, Array<ProcessInfo>>()
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p])
  const out: Array<ProcessInfo> = []
  const queue = [pid]
  const seen = new Set<number>([pid])
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      if (seen.has(child.pid)) continue
      seen.add(child.pid)
      out.push(child)
      queue.push(child.pid)
    }
  }
  return out
}

/** The live layer. */
export const layer: Layer.Layer<ProcessTable, never, ChildProcessSpawner.ChildProcessSpawner> = Layer.effect(
  ProcessTable,
  make
)
