/**
 * The real-machine harness, part 3: waiting on the world. Poll a condition with a generous deadline,
 * never a fixed sleep; read a process's liveness and start time from /proc.
 */
import * as fs from "node:fs"

/** Poll `check` until it returns a value other than undefined, or fail after `ms`. */
export const pollUntil = async <A>(
  label: string,
  check: () => A | undefined | Promise<A | undefined>,
  ms = 20_000
): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Wait until `check` holds (polling with a deadline, never a fixed sleep). */
export const until = (what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> =>
  pollUntil(what, async () => ((await check()) ? true : undefined), ms).then(() => undefined)

/** Whether a process with `pid` exists (not a zombie). */
export const pidAlive = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

/** The start time (clock ticks since boot, field 22 of /proc/<pid>/stat) of `pid`, or undefined. */
export const startTicks = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    return undefined
  }
}
