/**
 * The agent table's row shape (what a built-in agent kind is, and what a manifest's `options.agents`
 * may add), and the pure check that a row is usable and safe. Data only: the adapter expands the
 * templates (adapters/agent/AgentArgv.ts), the manifest validates user rows with {@link checkKindSpec}.
 *
 * Placeholders: `{prompt}`, `{promptFile}` (an absolute path rekindle wrote the prompt to: for agents
 * with no safe argv form for text), `{conversationId}`, `{cwd}` in argv tokens; `{cwd}`, `{cwdSlug}`,
 * `{conversationId}`, `{conversationIdPrefix}` (its first 8 characters) in transcript paths, where `{cwdSlug}` is Claude
 * Code's project-directory rule.
 */
import * as Schema from "effect/Schema"

/** Agent kind: a name from the launcher table (claude, codex, opencode, aider, shell or user-defined). */
export const AgentKind = Schema.String.check(Schema.isPattern(/^[a-z][a-z0-9_-]{0,31}$/))
/** @see AgentKind */
export type AgentKind = typeof AgentKind.Type

/**
 * One argv template token:
 * - a string, copied with its placeholders substituted (still one argv element);
 * - `{ when, argv }`, included only when that value is known and non-empty (an optional prompt);
 * - `{ splice: "command" }`, replaced by the task's `command` array (the `shell` kind);
 * - `{ splice: "args" }`, replaced by the task's extra `args` (without it they follow the executable).
 */
export const ArgvToken = Schema.Union([
  Schema.String,
  Schema.Struct({ when: Schema.Literals(["prompt", "conversationId"]), argv: Schema.Array(Schema.String) }),
  Schema.Struct({ splice: Schema.Literals(["command", "args"]) })
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

/** A JSON scalar: what an agent's config holds at a trust key (`true`, `"TRUST_FOLDER"`, …). */
export const TrustValue = Schema.Union([Schema.String, Schema.Number, Schema.Boolean, Schema.Null])
/** @see TrustValue */
export type TrustValue = typeof TrustValue.Type

/**
 * Where an agent records that the user trusts a folder, so rekindle can record it for the REPOSITORY ROOT (the
 * `trustRepository` policy) instead of the agent stopping at its trust screen: a JSON file (`root` + `path`, or the
 * file named by the `fileEnv` variable when set) and a key path in it whose `{repoRoot}` segment is the repository's
 * absolute path.
 */
export const TrustRule = Schema.Struct({
  root: TranscriptRoot,
  path: Schema.String,
  key: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  /** A variable naming the file itself; set and non-empty, it wins over `root` + `path` (Gemini's). */
  fileEnv: Schema.optionalKey(Schema.String),
  /** The value recorded; absent: `true`. */
  value: Schema.optionalKey(TrustValue),
  /** Other values the agent also reads as trust: found at the key, nothing is written. */
  alsoTrusted: Schema.optionalKey(Schema.Array(TrustValue)),
  /**
   * `true`: any other value found at the key is the user's own answer (Gemini's `DO_NOT_TRUST`) and is never
   * overwritten; the launch goes on and the agent decides. Absent: it is overwritten (Claude writes `false` there
   * itself before anyone answers).
   */
  keepOtherValues: Schema.optionalKey(Schema.Boolean)
})
/** @see TrustRule */
export type TrustRule = typeof TrustRule.Type

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

/** Placeholders allowed in argv tokens. */
const ARGV_VARS: ReadonlyArray<string> = ["prompt", "promptFile", "conversationId", "cwd"]

/** An environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A placeholder in a template. */
export const PLACEHOLDER = /\{([A-Za-z]+)\}/g

/**
 * Problems that make a table row unusable or unsafe, each naming its field (`fresh`, `resume`, …);
 * empty when the row is fine.
 */
export const kindProblems = (
  spec: AgentKindSpec
): ReadonlyArray<{ readonly field: string; readonly message: string }> => {
  const problems: Array<{ readonly field: string; readonly message: string }> = []
  const checkTokens = (field: "fresh" | "resume", tokens: ReadonlyArray<ArgvToken>) => {
    const say = (message: string) => problems.push({ field, message })
    // A "--" counts from where it stands to the end of its own group: a "--" inside an optional
    // group may be dropped, so it cannot protect anything outside that group.
    const scan = (list: ReadonlyArray<string>, protectedAlready: boolean): boolean => {
      let endOfOptions = protectedAlready
      for (const t of list) {
        for (const [, name] of t.matchAll(PLACEHOLDER)) {
          if (name !== undefined && !ARGV_VARS.includes(name)) say(`unknown placeholder {${name}}`)
        }
        if (t.startsWith("{prompt}") && !endOfOptions) {
          say(
            `a prompt starting with "-" would be read as an option; put "--" before "${t}" or use a "--flag={prompt}" form`
          )
        }
        if (t === "--") endOfOptions = true
      }
      return endOfOptions
    }
    let outer = false
    for (const token of tokens) {
      if (typeof token === "string") outer = scan([token], outer)
      else if ("when" in token) scan(token.argv, outer)
    }
    const first = tokens[0]
    const splicesCommand =
      first !== undefined && typeof first === "object" && "splice" in first && first.splice === "command"
    if (spec.executable === undefined && !splicesCommand)
      say('without an executable the template must start with { splice: "command" }')
  }
  checkTokens("fresh", spec.fresh)
  if (spec.resume !== undefined) checkTokens("resume", spec.resume)
  if (spec.resume !== undefined && spec.conversation === "none")
    problems.push({ field: "resume", message: 'a kind with conversation "none" cannot have a resume template' })
  if (spec.resume === undefined && spec.conversation !== "none")
    problems.push({ field: "resume", message: `conversation "${spec.conversation}" needs a resume template` })
  if (spec.promptEnv !== undefined && !ENV_NAME.test(spec.promptEnv))
    problems.push({ field: "promptEnv", message: `"${spec.promptEnv}" is not an environment variable name` })
  const fileEnv = spec.trust?.fileEnv
  if (fileEnv !== undefined && !ENV_NAME.test(fileEnv))
    problems.push({ field: "trust", message: `fileEnv "${fileEnv}" is not an environment variable name` })
  return problems
}

/** {@link kindProblems} as one line each (`resume: …`). */
export const checkKindSpec = (spec: AgentKindSpec): ReadonlyArray<string> =>
  kindProblems(spec).map((p) => `${p.field}: ${p.message}`)
