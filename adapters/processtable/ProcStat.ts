/**
 * Pure parsers for the process table: Linux `/proc/<pid>/stat` + `cmdline`, and the `ps` fallback.
 */
import type { ProcessInfo } from "../../core/domain/Signals.ts"

/**
 * Parse `/proc/<pid>/stat`. The command name (field 2) may contain spaces and `)`, so fields are
 * read after the LAST `)`. Returns ppid, the start time in clock ticks since boot (field 22), and
 * whether the entry is a zombie.
 */
export const parseStat = (
  stat: string
): { readonly ppid: number; readonly startTicks: string; readonly zombie: boolean } | undefined => {
  const close = stat.lastIndexOf(")")
  if (close < 0) return undefined
  // After ") ": field 3 (state) is index 0, so field n is index n - 3.
  const rest = stat
    .slice(close + 2)
    .trim()
    .split(" ")
  const ppid = Number(rest[4 - 3])
  const start = rest[22 - 3]
  if (!Number.isInteger(ppid) || start === undefined || !/^\d+$/.test(start)) return undefined
  // A zombie (Z) or dead (X) entry has exited and only waits to be reaped: it is not alive.
  return { ppid, startTicks: start, zombie: rest[0] === "Z" || rest[0] === "X" }
}

/** Parse `/proc/<pid>/cmdline` (NUL-separated argv, usually NUL-terminated). */
export const parseCmdline = (raw: string): ReadonlyArray<string> => {
  const parts = raw.split("\0")
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop()
  return parts
}

/** The start-time string rekindle records: boot id prefix + ticks, so identities survive reboots. */
export const startTimeOf = (bootId: string, ticks: string): string => `${bootId.slice(0, 8)}:${ticks}`

/**
 * Parse `ps -A -o pid= -o ppid= -o lstart= -o args=` (fallback where /proc is absent). `lstart` is
 * five words (`Sat Nov 21 15:14:18 2026`); argv is split on spaces, which is lossy but only used for
 * display and shell detection.
 */
export const parsePs = (out: string): ReadonlyArray<ProcessInfo> =>
  out.split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(.*)$/.exec(line)
    if (m === null) return []
    return [{ pid: Number(m[1]), ppid: Number(m[2]), startTime: m[3]!.replace(/\s+/g, " "), argv: m[4]!.split(" ") }]
  })
