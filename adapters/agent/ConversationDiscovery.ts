/**
 * Learning the conversation id a `discovered` kind chose, from the files it writes. Each rule reads
 * what the agent itself records about a conversation — its working directory and start time — so a
 * task's conversation is told apart from another task's running at the same moment in another
 * worktree; "the newest file anywhere" is never an answer.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import type { AgentKindSpec } from "../../core/ports/AgentLauncher.ts"
import { claudeConversation } from "./ClaudeSessions.ts"
import { codexConversation, piConversation } from "./JsonlSessions.ts"
import { openCodeConversation } from "./OpenCodeSessions.ts"

/** What a discovery looks at. */
export interface DiscoveryInput {
  readonly spec: AgentKindSpec
  readonly home: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** The task's working directory, as given and resolved (either may be what the agent records). */
  readonly cwds: ReadonlyArray<string>
  /** Epoch ms of the launch: an earlier conversation in the same directory is not this one. */
  readonly since: number
  /** The agent process rekindle launched (pid + start time), when known: Claude's registry is read by it. */
  readonly agent?: { readonly pid: number; readonly startTime: string }
  /** The id recorded for the task (Claude: assigned at launch, followed through `/clear`). */
  readonly current?: string
}

/** The id, or undefined when there is no rule for this kind, nothing matches yet, or (Claude) the id is unchanged. */
export const discoverConversation = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  input: DiscoveryInput
): Effect.Effect<string | undefined, PlatformError.PlatformError> => {
  if (input.spec.executable === "claude") return claudeConversation(fs, path, input)
  if (input.spec.executable === "codex") return codexConversation(fs, path, input)
  if (input.spec.executable === "opencode") return openCodeConversation(input)
  if (input.spec.executable === "pi") return piConversation(fs, path, input)
  return Effect.succeed(undefined)
}
