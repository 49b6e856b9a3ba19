/**
 * What an agent is doing, from the last lines it printed (pane capture or log tail) and how long it
 * has been quiet: working, idle, waiting for input, or exited. UI noise (spinners, box drawing,
 * key hints, blank lines) is ignored. Only what is on the screen now should drive an action: callers
 * feed this the live capture, never replayed history.
 */
import * as Schema from "effect/Schema"

/** The agent's activity. */
export const AgentActivity = Schema.Literals(["working", "idle", "waiting-for-input", "exited"])
/** @see AgentActivity */
export type AgentActivity = typeof AgentActivity.Type

const NOISE = [
  /^[\s\u2500-\u257f\u2580-\u259f│┃║]*$/, // blank or box drawing only
  /^[\s⠁-⣿◐◓◑◒|/\\\-·.•*✻✶✳✢]+$/, // spinner frames
  /esc to (interrupt|cancel)/i,
  /^\s*\? for shortcuts/i,
  /^\s*(tokens?|context)[: ].*\d/i
]

const ASKING = [
  /\?\s*$/,
  /\(y\/n\)|\[y\/n\]|\(yes\/no\)/i,
  /do you want to|would you like|press enter|waiting for input|allow (this|once)|approve/i,
  /^\s*(❯|>)\s*\d+\.\s/ // numbered choice menu
]

/** The last line that is not UI noise. */
export const lastMeaningfulLine = (lines: ReadonlyArray<string>): string | undefined => {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!
    if (!NOISE.some((re) => re.test(line))) return line.trim()
  }
  return undefined
}

/** Classify. `quietMs`: time since the last output; `idleAfterMs`: quiet this long without a question is idle. */
export const detectActivity = (input: {
  readonly lines: ReadonlyArray<string>
  readonly paneDead: boolean
  readonly quietMs: number
  readonly idleAfterMs: number
}): { readonly activity: AgentActivity; readonly line?: string } => {
  if (input.paneDead) return { activity: "exited" }
  const line = lastMeaningfulLine(input.lines)
  if (line !== undefined && ASKING.some((re) => re.test(line)) && input.quietMs >= 1_000) {
    return { activity: "waiting-for-input", line }
  }
  if (input.quietMs >= input.idleAfterMs) return line === undefined ? { activity: "idle" } : { activity: "idle", line }
  return line === undefined ? { activity: "working" } : { activity: "working", line }
}
