/**
 * Following a conversation id that changes during a run (Claude Code's `/clear`, compaction, a fork): which id a
 * later exact-conversation relaunch must resume, from what was observed of the task's agent. Pure: observations in, a
 * decision out; the adapter reads them (adapters/agent/ClaudeSessions.ts), the engine records a change
 * (core/engine/support/Conversations.ts).
 *
 * Attribution is by the agent process rekindle launched, never by "the most recent anywhere":
 * 1. the agent's own registry entry (Claude 2.1.328: `~/.claude/sessions/<pid>.json`, rewritten on `/clear`) counts
 *    only when its pid AND start time are the recorded agent's — a pid reused by another process says nothing;
 * 2. failing that, the newest transcript written in the task's own project directory since the task's latest launch,
 *    when it is strictly the newest (two written at the same instant, as `/clear` does, decide nothing).
 */

/** The agent process rekindle launched for the task: its pid and its start time in clock ticks since boot. */
export interface AgentStart {
  readonly pid: number
  readonly startTicks: string
}

/** One per-process registry entry, as the agent wrote it. */
export interface RegistryEntry {
  readonly pid: number
  readonly sessionId: string
  /** The process's start time in clock ticks since boot, as the agent records it. */
  readonly procStart?: string
  readonly cwd?: string
}

/** A transcript of the task's project directory: its conversation id and when it was last written (epoch ms). */
export interface TranscriptSeen {
  readonly id: string
  readonly writtenAt: number
}

/** Everything the rule looks at. */
export interface ConversationObservation {
  /** Undefined when rekindle did not learn the agent's process identity at launch. */
  readonly agent?: AgentStart
  /** The registry entry named after the agent's pid, if one was there. */
  readonly registry?: RegistryEntry
  /** The task's working directory as given and resolved (either may be what the agent records). */
  readonly cwds: ReadonlyArray<string>
  readonly transcripts: ReadonlyArray<TranscriptSeen>
  /** Epoch ms of the task's latest launch: a transcript written before it is an earlier run's. */
  readonly since: number
}

/** The decision: keep the recorded id, or follow the agent to another one (and where that was learned). */
type ConversationFollow =
  | { readonly _tag: "Keep" }
  | { readonly _tag: "Change"; readonly from: string | undefined; readonly to: string; readonly source: Source }

type Source = "registry" | "transcript"

/** A conversation id safe as one argv element, a file name and a glob fragment: no `/`, no `-` first. */
export const SAFE_CONVERSATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** Whether the registry entry is the recorded agent's own (same pid, same start, in the task's directory). */
export const registryAttributed = (
  agent: AgentStart | undefined,
  entry: RegistryEntry | undefined,
  cwds: ReadonlyArray<string>
): entry is RegistryEntry =>
  agent !== undefined &&
  entry !== undefined &&
  entry.pid === agent.pid &&
  entry.procStart !== undefined &&
  entry.procStart === agent.startTicks &&
  (entry.cwd === undefined || cwds.includes(entry.cwd)) &&
  SAFE_CONVERSATION_ID.test(entry.sessionId)

/** The transcript strictly newest among those written since the launch, if one is. */
const newestSince = (transcripts: ReadonlyArray<TranscriptSeen>, since: number): string | undefined => {
  const recent = transcripts.filter((t) => t.writtenAt >= since && SAFE_CONVERSATION_ID.test(t.id))
  const top = Math.max(...recent.map((t) => t.writtenAt))
  const newest = recent.filter((t) => t.writtenAt === top)
  return newest.length === 1 ? newest[0]!.id : undefined
}

/** Which conversation the task's agent is in now, given the id recorded for it. */
export const followConversation = (recorded: string | undefined, o: ConversationObservation): ConversationFollow => {
  const fromTranscripts = (): { id: string; source: Source } | undefined => {
    const id = newestSince(o.transcripts, o.since)
    return id === undefined ? undefined : { id, source: "transcript" }
  }
  const seen = registryAttributed(o.agent, o.registry, o.cwds)
    ? { id: o.registry.sessionId, source: "registry" as const }
    : fromTranscripts()
  if (seen === undefined || seen.id === recorded) return { _tag: "Keep" }
  return { _tag: "Change", from: recorded, to: seen.id, source: seen.source }
}
