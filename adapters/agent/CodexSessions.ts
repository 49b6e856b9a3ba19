/**
 * Codex's conversation ids, learned from its rollout files: `<CODEX_HOME or ~/.codex>/sessions/YYYY/
 * MM/DD/rollout-<time>-<id>.jsonl`, whose first line is a `session_meta` record carrying the session
 * `id`, the `cwd` it runs in and its start `timestamp`. A rollout belongs to a task when its cwd is the
 * task's worktree and it started at or after the launch; among several (a `/new` during the run) the
 * latest started wins, so a resume continues the conversation the agent was last in.
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

/** The session facts of a rollout's first line, when it is a `session_meta` record. */
export const sessionMeta = (line: string): { id: string; cwd: string; startedAt: number } | undefined => {
  try {
    const record = JSON.parse(line) as {
      type?: unknown
      payload?: { id?: unknown; cwd?: unknown; timestamp?: unknown }
    }
    const p = record.payload
    if (record.type !== "session_meta" || p === undefined) return undefined
    if (typeof p.id !== "string" || typeof p.cwd !== "string" || typeof p.timestamp !== "string") return undefined
    const startedAt = Date.parse(p.timestamp)
    return Number.isNaN(startedAt) ? undefined : { id: p.id, cwd: p.cwd, startedAt }
  } catch {
    return undefined
  }
}

/** The id of the task's latest Codex conversation, or undefined. */
export const codexConversation = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  input: DiscoveryInput
): Effect.Effect<string | undefined, PlatformError.PlatformError> =>
  Effect.gen(function* () {
    const rule = input.spec.transcript
    const root =
      rule.type === "none"
        ? undefined
        : resolveRoot(rule.root, { home: input.home, env: input.env, cwd: input.cwds[0] ?? "" })
    if (root === undefined || !(yield* fs.exists(path.join(root, "sessions")))) return undefined
    // Only the days the launch could have written to (UTC date of `since` onwards) are listed.
    const files = yield* fs.glob("sessions/*/*/*/rollout-*.jsonl", { root })
    const earliestDay = new Date(input.since - SKEW_MS).toISOString().slice(0, 10).replaceAll("-", "/")
    let best: { id: string; startedAt: number } | undefined
    for (const file of files) {
      if (file.slice("sessions/".length, "sessions/".length + 10) < earliestDay) continue
      const line = yield* firstLine(fs, path.join(root, file))
      const meta = line === undefined ? undefined : sessionMeta(line)
      if (meta === undefined || !input.cwds.includes(meta.cwd) || meta.startedAt < input.since - SKEW_MS) continue
      if (!SAFE_CONVERSATION_ID.test(meta.id)) continue
      if (best === undefined || meta.startedAt > best.startedAt) best = meta
    }
    return best?.id
  })
