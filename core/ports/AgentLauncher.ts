/**
 * Port: how to start and resume an agent, and whether its conversation can be resumed.
 *
 * Agent kinds are DATA ({@link AgentKindSpec}): a user adds one in config without code. An argv
 * template is a list of tokens expanded in ONE pass — a placeholder's value is never re-scanned, so a
 * prompt containing `{conversationId}` stays literal — and every value lands inside exactly one argv
 * element. No shell ever sees the result.
 *
 * Placeholders: `{prompt}`, `{conversationId}`, `{cwd}` in argv tokens; `{cwd}`, `{cwdSlug}`,
 * `{conversationId}` in transcript paths, where `{cwdSlug}` is Claude Code's project-directory rule.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { AgentKindSpec } from "../domain/AgentSpec.ts"

export {
  AgentKindSpec,
  ArgvToken,
  ConversationMode,
  TranscriptFormat,
  TranscriptRoot,
  TranscriptRule,
  TrustRule
} from "../domain/AgentSpec.ts"

/** What recording trust did (or, previewed, would do). */
export interface TrustChange {
  /** The file and the key path written, e.g. `~/.claude.json` and `projects["/repo"].hasTrustDialogAccepted`. */
  readonly file: string
  readonly key: string
  /** The value recorded there, as JSON text (`true`, `"TRUST_FOLDER"`). */
  readonly value: string
  /** False when the key already meant trusted, or holds the user's own other answer (`kept`): nothing written. */
  readonly changed: boolean
  /** The user's own different value found at the key (JSON text, e.g. `"DO_NOT_TRUST"`), left as it is. */
  readonly kept?: string
}

/** A ready-to-run launch: argv (argv[0] is the program) and environment additions. */
export interface Launch {
  readonly argv: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  /** The conversation id the agent will use, when rekindle knows it at launch time. */
  readonly conversationId?: string
}

/** The outcome of a transcript check. `reason` is one human line either way. */
export interface TranscriptCheck {
  readonly valid: boolean
  readonly path?: string
  readonly reason: string
}

/** Why the launcher refused. */
export const AgentErrorReason = Schema.Literals(["UnknownKind", "NoResume", "Invalid", "NotOnPath", "Io"])

/**
 * `UnknownKind`: no such kind in the table. `NoResume`: the kind cannot resume, or the conversation
 * id it needs is unknown. `Invalid`: a bad request or table row (missing `command` for `shell`, an
 * unsafe conversation id, an unknown or unsafe placeholder). `NotOnPath`: the kind's executable is not
 * found on PATH. `Io`: the transcript could not be read.
 */
export class AgentError extends Schema.TaggedError<AgentError>()("AgentError", {
  reason: AgentErrorReason,
  message: Schema.String
}) {}

/**
 * What every request may carry besides the kind's name: the batch's own row for that kind (a
 * manifest's `options.agents`, which wins over the table), and the task's extra args and environment.
 */
export interface KindRequest {
  readonly kind: string
  readonly spec?: AgentKindSpec
  readonly args?: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
}

/** The operations rekindle needs to (re)launch agents. */
export interface AgentLauncherShape {
  /** The agent table in effect (built-ins overlaid by configured kinds). */
  readonly kinds: ReadonlyArray<AgentKindSpec>
  /**
   * Whether the kind can be launched at all, before anything is created: it is known, its row is
   * sound, and its executable is found on PATH (`NotOnPath`). Returns the executable's path, if any.
   */
  readonly preflight: (request: KindRequest) => Effect.Effect<string | undefined, AgentError>
  /**
   * argv for a fresh start. For `assigned` kinds the id is `conversationId` when given, else a new
   * one from the id generator, and is returned; other kinds return none.
   */
  readonly freshArgv: (
    request: KindRequest & {
      readonly prompt: string
      /** Where to write the prompt when the kind takes it as a file (`{promptFile}`); 0600, dir 0700. */
      readonly promptFile?: string
      readonly conversationId?: string
      readonly command?: ReadonlyArray<string>
      readonly cwd: string
    }
  ) => Effect.Effect<Launch, AgentError>
  /** argv to resume `conversationId` (ignored by `implicit` kinds), with an optional follow-up prompt. */
  readonly resumeArgv: (
    request: KindRequest & {
      readonly conversationId?: string
      readonly prompt?: string
      readonly promptFile?: string
      readonly cwd: string
    }
  ) => Effect.Effect<Launch, AgentError>
  /**
   * Record the kind's folder trust for `repoRoot` (atomic read-modify-rename of its config file, every other key kept);
   * `preview` only says what would change. None when the kind has no trust rule. The request's `env` (the task's own
   * variables, e.g. CLAUDE_CONFIG_DIR) chooses the config file, as it does for the agent.
   */
  readonly recordTrust: (
    request: KindRequest & {
      readonly repoRoot: string
      readonly preview: boolean
    }
  ) => Effect.Effect<TrustChange | undefined, AgentError>
  /** Whether the conversation's transcript exists and looks whole enough to resume. */
  readonly validateTranscript: (
    request: KindRequest & {
      readonly conversationId: string
      readonly cwd: string
    }
  ) => Effect.Effect<TranscriptCheck, AgentError>
  /**
   * The id a `discovered` kind chose for the conversation it started in `cwd` at or after `since`
   * (epoch ms), learned from the files the agent writes — attributed by working directory and start
   * time, never "the newest anywhere". Undefined when none is found (yet) or the kind has no rule.
   * With `current`, the same for an id rekindle assigned: the one the agent moved to, if it did.
   */
  readonly discoverConversation: (
    request: KindRequest & {
      readonly cwd: string
      readonly since: number
      /** The agent process rekindle launched, when known: an agent's per-process records are read by it. */
      readonly agent?: { readonly pid: number; readonly startTime: string }
      /**
       * The id recorded for the task. Given for a kind whose id rekindle assigned (Claude): the answer is the id the
       * agent moved to since (`/clear`, compaction), or undefined while it is unchanged (core/domain/ConversationFollow.ts).
       */
      readonly current?: string
    }
  ) => Effect.Effect<string | undefined, AgentError>
}

/** Service tag for {@link AgentLauncherShape}. */
export class AgentLauncher extends Context.Service<AgentLauncher, AgentLauncherShape>()("rekindle/AgentLauncher") {}
