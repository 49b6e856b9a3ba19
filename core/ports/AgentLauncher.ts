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
import { AgentKind } from "../domain/State.ts"

/**
 * One argv template token:
 * - a string, copied with its placeholders substituted (still one argv element);
 * - `{ when, argv }`, included only when that value is known and non-empty (an optional prompt);
 * - `{ splice: "command" }`, replaced by the task's `command` array (the `shell` kind).
 */
export const ArgvToken = Schema.Union([
  Schema.String,
  Schema.Struct({ when: Schema.Literals(["prompt", "conversationId"]), argv: Schema.Array(Schema.String) }),
  Schema.Struct({ splice: Schema.Literal("command") })
])
/** @see ArgvToken */
export type ArgvToken = typeof ArgvToken.Type

/**
 * Who names the conversation:
 * - `assigned`: rekindle picks the id before launch (Claude Code `--session-id`);
 * - `discovered`: the agent picks it; resume only once it is known (Codex, OpenCode);
 * - `implicit`: the conversation is bound to the working directory, no id needed (Aider);
 * - `none`: nothing to resume (`shell`).
 */
export const ConversationMode = Schema.Literals(["assigned", "discovered", "implicit", "none"])
/** @see ConversationMode */
export type ConversationMode = typeof ConversationMode.Type

/** A directory: `env` when that variable is set and non-empty, else `default` (`~` = home, `{cwd}`). */
export const TranscriptRoot = Schema.Struct({ env: Schema.optionalKey(Schema.String), default: Schema.String })
/** @see TranscriptRoot */
export type TranscriptRoot = typeof TranscriptRoot.Type

/** What a transcript must look like to count as resumable. */
export const TranscriptFormat = Schema.Literals(["jsonl", "text"])
/** @see TranscriptFormat */
export type TranscriptFormat = typeof TranscriptFormat.Type

/** Where a kind keeps its transcript: one path, a glob (one match expected), or nowhere we can check. */
export const TranscriptRule = Schema.Union([
  Schema.Struct({ type: Schema.Literal("none") }),
  Schema.Struct({ type: Schema.Literal("file"), root: TranscriptRoot, path: Schema.String, format: TranscriptFormat }),
  Schema.Struct({
    type: Schema.Literal("glob"),
    root: TranscriptRoot,
    pattern: Schema.String,
    format: TranscriptFormat
  })
])
/** @see TranscriptRule */
export type TranscriptRule = typeof TranscriptRule.Type

/**
 * Where an agent records that the user trusts a folder, so rekindle can record it for the REPOSITORY ROOT (the
 * `trustRepository` policy) instead of the agent stopping at its trust screen: a JSON file (`root` + `path`) and a key
 * path in it whose `{repoRoot}` segment is the repository's absolute path; the value set is `true`.
 */
export const TrustRule = Schema.Struct({
  root: TranscriptRoot,
  path: Schema.String,
  key: Schema.Array(Schema.String).check(Schema.isMinLength(1))
})
/** @see TrustRule */
export type TrustRule = typeof TrustRule.Type

/** What recording trust did (or, previewed, would do). */
export interface TrustChange {
  /** The file and the key path written, e.g. `~/.claude.json` and `projects["/repo"].hasTrustDialogAccepted`. */
  readonly file: string
  readonly key: string
  /** False when the key was already `true`: nothing was (or would be) written. */
  readonly changed: boolean
}

/** One row of the agent table. */
export const AgentKindSpec = Schema.Struct({
  name: AgentKind,
  /** argv[0]; absent when the template supplies it (the `shell` kind splices the task's command). */
  executable: Schema.optionalKey(Schema.String),
  fresh: Schema.Array(ArgvToken),
  /** Absent: this kind cannot resume a conversation. */
  resume: Schema.optionalKey(Schema.Array(ArgvToken)),
  conversation: ConversationMode,
  /** Environment variable that also carries the prompt (for programs that read it from there). */
  promptEnv: Schema.optionalKey(Schema.String),
  transcript: TranscriptRule,
  /** Absent: the agent asks no trust question rekindle can answer by config (see docs/agents.md). */
  trust: Schema.optionalKey(TrustRule),
  /** Human note: flag spellings, what the transcript check can and cannot tell. */
  notes: Schema.optionalKey(Schema.String)
})
/** @see AgentKindSpec */
export type AgentKindSpec = typeof AgentKindSpec.Type

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
export const AgentErrorReason = Schema.Literals(["UnknownKind", "NoResume", "Invalid", "Io"])

/**
 * `UnknownKind`: no such kind in the table. `NoResume`: the kind cannot resume, or the conversation
 * id it needs is unknown. `Invalid`: a bad request or table row (missing `command` for `shell`, an
 * unsafe conversation id, an unknown or unsafe placeholder). `Io`: the transcript could not be read.
 */
export class AgentError extends Schema.TaggedError<AgentError>()("AgentError", {
  reason: AgentErrorReason,
  message: Schema.String
}) {}

/** The operations rekindle needs to (re)launch agents. */
export interface AgentLauncherShape {
  /** The agent table in effect (built-ins overlaid by configured kinds). */
  readonly kinds: ReadonlyArray<AgentKindSpec>
  /**
   * argv for a fresh start. For `assigned` kinds the id is `conversationId` when given, else a new
   * one from the id generator, and is returned; other kinds return none.
   */
  readonly freshArgv: (request: {
    readonly kind: string
    readonly prompt: string
    readonly conversationId?: string
    readonly command?: ReadonlyArray<string>
    readonly cwd: string
  }) => Effect.Effect<Launch, AgentError>
  /** argv to resume `conversationId` (ignored by `implicit` kinds), with an optional follow-up prompt. */
  readonly resumeArgv: (request: {
    readonly kind: string
    readonly conversationId?: string
    readonly prompt?: string
    readonly cwd: string
  }) => Effect.Effect<Launch, AgentError>
  /**
   * Record the kind's folder trust for `repoRoot` (atomic read-modify-rename of its config file, every other key kept);
   * `preview` only says what would change. None when the kind has no trust rule.
   */
  readonly recordTrust: (request: {
    readonly kind: string
    readonly repoRoot: string
    readonly preview: boolean
  }) => Effect.Effect<TrustChange | undefined, AgentError>
  /** Whether the conversation's transcript exists and looks whole enough to resume. */
  readonly validateTranscript: (request: {
    readonly kind: string
    readonly conversationId: string
    readonly cwd: string
  }) => Effect.Effect<TranscriptCheck, AgentError>
}

/** Service tag for {@link AgentLauncherShape}. */
export class AgentLauncher extends Context.Service<AgentLauncher, AgentLauncherShape>()("rekindle/AgentLauncher") {}
