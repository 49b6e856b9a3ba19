/**
 * Reading what Claude Code records about the conversation its process is in, for
 * core/domain/ConversationFollow.ts. Measured with the pinned 2.1.328 (docs/agents.md#following-claudes-conversation-id):
 * - a per-process registry `<CLAUDE_CONFIG_DIR or ~/.claude>/sessions/<pid>.json`
 *   (`{"pid","sessionId","cwd","procStart",…}`, `procStart` the /proc start time in clock ticks) that Claude rewrites
 *   when the conversation changes (`/clear` gives a new `sessionId`, the process stays);
 * - one transcript per conversation, `projects/<slug of cwd>/<sessionId>.jsonl`, the new one created by `/clear`.
 * Only the registry entry named after the recorded agent pid is read, and only the task's own project directory.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import {
  type AgentStart,
  followConversation,
  type RegistryEntry,
  registryAttributed,
  type TranscriptSeen
} from "../../core/domain/ConversationFollow.ts"
import type { DiscoveryInput } from "./ConversationDiscovery.ts"
import { claudeProjectSlug, resolveRoot } from "./TranscriptPath.ts"

/** The registry is small; anything larger is not Claude's entry. */
const MAX_ENTRY_BYTES = 64 * 1024

/** The tick part of a process start time as the Linux process table reports it (`<boot id>:<ticks>`). */
const startTicks = (startTime: string): string => startTime.slice(startTime.lastIndexOf(":") + 1)

/** A registry entry's fields, or undefined when the text is not one. */
const parseRegistryEntry = (text: string): RegistryEntry | undefined => {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof v !== "object" || v === null) return undefined
  const r = v as Record<string, unknown>
  if (typeof r["pid"] !== "number" || typeof r["sessionId"] !== "string") return undefined
  return {
    pid: r["pid"],
    sessionId: r["sessionId"],
    ...(typeof r["procStart"] === "string" ? { procStart: r["procStart"] } : {}),
    ...(typeof r["cwd"] === "string" ? { cwd: r["cwd"] } : {})
  }
}

const readEntry = (fs: FileSystem.FileSystem, file: string) =>
  Effect.gen(function* () {
    const info = yield* fs.stat(file)
    if (info.type !== "File" || Number(info.size) > MAX_ENTRY_BYTES) return undefined
    return parseRegistryEntry(yield* fs.readFileString(file))
  }).pipe(Effect.catch(() => Effect.succeed(undefined)))

/** The top-level `<id>.jsonl` files of the task's project directories and when each was last written. */
const transcriptsOf = (fs: FileSystem.FileSystem, path: Path.Path, root: string, cwds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const seen: Array<TranscriptSeen> = []
    for (const cwd of cwds) {
      const dir = path.join(root, "projects", claudeProjectSlug(cwd))
      const names = yield* fs.readDirectory(dir).pipe(Effect.catch(() => Effect.succeed([] as Array<string>)))
      for (const name of names.filter((n) => n.endsWith(".jsonl"))) {
        const info = yield* fs.stat(path.join(dir, name)).pipe(Effect.option)
        if (info._tag === "None" || info.value.type !== "File") continue
        const mtime = info.value.mtime
        if (mtime._tag === "Some") seen.push({ id: name.slice(0, -".jsonl".length), writtenAt: mtime.value.getTime() })
      }
    }
    return seen
  })

/** The conversation the task's Claude is in now when it differs from `input.current`; undefined to keep it. */
export const claudeConversation = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  input: DiscoveryInput
): Effect.Effect<string | undefined, PlatformError.PlatformError> =>
  Effect.gen(function* () {
    if (input.spec.transcript.type === "none") return undefined
    const root = resolveRoot(input.spec.transcript.root, { home: input.home, env: input.env, cwd: input.cwds[0] ?? "" })
    const agent: AgentStart | undefined =
      input.agent === undefined ? undefined : { pid: input.agent.pid, startTicks: startTicks(input.agent.startTime) }
    const registry =
      agent === undefined ? undefined : yield* readEntry(fs, path.join(root, "sessions", `${agent.pid}.json`))
    // The project directory is listed only when the registry does not answer (one read per poll otherwise).
    const decision = followConversation(input.current, {
      ...(agent === undefined ? {} : { agent }),
      ...(registry === undefined ? {} : { registry }),
      cwds: input.cwds,
      transcripts: registryAttributed(agent, registry, input.cwds)
        ? []
        : yield* transcriptsOf(fs, path, root, input.cwds),
      since: input.since
    })
    return decision._tag === "Change" ? decision.to : undefined
  })
