/**
 * Conversation ids of agents that open each conversation's JSONL file with a record naming the
 * session `id`, the `cwd` it runs in and its start `timestamp`:
 * - Codex: `<CODEX_HOME or ~/.codex>/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`, first line
 *   `{"type":"session_meta","payload":{"id","cwd","timestamp",…}}`;
 * - pi: `<PI_CODING_AGENT_DIR or ~/.pi/agent>/sessions/--<cwd slug>--/<time>_<id>.jsonl`, first line
 *   `{"type":"session","id","cwd","timestamp",…}`.
 * A file belongs to a task when its cwd is the task's worktree and it started at or after the launch;
 * among several (a `/new` during the run) the latest started wins, so a resume continues the
 * conversation the agent was last in.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import { SAFE_CONVERSATION_ID } from "./AgentArgv.ts"
import type { DiscoveryInput } from "./ConversationDiscovery.ts"
import { firstLine } from "./FirstLine.ts"
import { resolveRoot } from "./TranscriptPath.ts"

/** Clock skew allowed between rekindle's launch time and the agent's own timestamp. */
const SKEW_MS = 5_000

/** How far behind UTC a local clock can be (UTC−12). */
const WESTMOST_OFFSET_MS = 12 * 3_600_000

/** What an opening record says about its conversation. */
interface SessionFacts {
  readonly id: string
  readonly cwd: string
  readonly startedAt: number
}

const facts = (record: { id?: unknown; cwd?: unknown; timestamp?: unknown } | undefined): SessionFacts | undefined => {
  if (record === undefined) return undefined
  if (typeof record.id !== "string" || typeof record.cwd !== "string" || typeof record.timestamp !== "string")
    return undefined
  const startedAt = Date.parse(record.timestamp)
  return Number.isNaN(startedAt) ? undefined : { id: record.id, cwd: record.cwd, startedAt }
}

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(line)
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Codex's `session_meta` opening record. */
const sessionMeta = (line: string): SessionFacts | undefined => {
  const r = parse(line)
  return r?.["type"] === "session_meta" ? facts(r["payload"] as Record<string, unknown> | undefined) : undefined
}

/** pi's `session` opening record. */
const piSessionHeader = (line: string): SessionFacts | undefined => {
  const r = parse(line)
  return r?.["type"] === "session" ? facts(r) : undefined
}

/** The latest session among `glob` (under the kind's transcript root) that belongs to the task. */
const latestSession = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  input: DiscoveryInput,
  glob: string,
  read: (line: string) => SessionFacts | undefined,
  skip: (file: string) => boolean = () => false
): Effect.Effect<string | undefined, PlatformError.PlatformError> =>
  Effect.gen(function* () {
    const rule = input.spec.transcript
    if (rule.type === "none") return undefined
    const root = resolveRoot(rule.root, { home: input.home, env: input.env, cwd: input.cwds[0] ?? "" })
    if (!(yield* fs.exists(path.join(root, "sessions")))) return undefined
    let best: SessionFacts | undefined
    for (const file of yield* fs.glob(glob, { root })) {
      if (skip(file)) continue
      const line = yield* firstLine(fs, path.join(root, file))
      const meta = line === undefined ? undefined : read(line)
      if (meta === undefined || !input.cwds.includes(meta.cwd) || meta.startedAt < input.since - SKEW_MS) continue
      if (!SAFE_CONVERSATION_ID.test(meta.id)) continue
      if (best === undefined || meta.startedAt > best.startedAt) best = meta
    }
    return best?.id
  })

/** The id of the task's latest Codex conversation, or undefined. */
export const codexConversation = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  input: DiscoveryInput
): Effect.Effect<string | undefined, PlatformError.PlatformError> => {
  // Only the days the launch could have written to are read. Codex names the day directory by its LOCAL date
  // (measured on 0.169.0: TZ=America/Los_Angeles at 05:50 UTC wrote sessions/<the day before>/), and the agent's
  // zone may not be rekindle's (a task's env can set TZ): the earliest is the date at UTC−12, the westernmost zone.
  const earliestDay = new Date(input.since - SKEW_MS - WESTMOST_OFFSET_MS)
    .toISOString()
    .slice(0, 10)
    .replaceAll("-", "/")
  const before = (file: string) => file.slice("sessions/".length, "sessions/".length + 10) < earliestDay
  return latestSession(fs, path, input, "sessions/*/*/*/rollout-*.jsonl", sessionMeta, before)
}

/** The start time pi writes in a session file's name (`2026-12-06T03-10-38-291Z_<id>.jsonl`, UTC), if it has one. */
const piNameTime = (file: string): number | undefined => {
  const m = /(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z_[^/]*\.jsonl$/.exec(file)
  if (m === null) return undefined
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`)
  return Number.isNaN(t) ? undefined : t
}

/**
 * The id of the task's latest pi session, or undefined. Asked at every supervision tick, so a session whose file name
 * says it started before the launch is skipped unread: the sessions of every project live under one directory.
 */
export const piConversation = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  input: DiscoveryInput
): Effect.Effect<string | undefined, PlatformError.PlatformError> => {
  const before = (file: string) => (piNameTime(file) ?? Number.POSITIVE_INFINITY) < input.since - SKEW_MS
  return latestSession(fs, path, input, "sessions/*/*.jsonl", piSessionHeader, before)
}
