/**
 * The batch manifest: what `rekindle run` is given. One Schema decodes the file and publishes its JSON
 * Schema (`rekindle schema manifest`). Validation collects EVERY problem — unknown fields, unsafe or
 * duplicate ids, unknown dependencies, cycles — so a user fixes the file in one pass.
 */
import { issueLines } from "./SchemaProblems.ts"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { AgentKind, AgentKindSpec, ENV_NAME, kindProblems } from "./AgentSpec.ts"
import { SAFE_ID_PATTERN, TaskId } from "./Ids.ts"
import { describeWaveProblem, planWaves } from "./Waves.ts"
import { TMUX_SOCKET_NAME, TMUX_SOCKET_RULE } from "./SocketName.ts"

/** The built-in agent kinds; a manifest may add its own in `options.agents`. */
export const ManifestAgent = Schema.Literals(["claude", "codex", "opencode", "aider", "shell", "pi", "gemini"])

/** Environment variables rekindle sets for every agent: a task may not override them. */
const RESERVED_ENV = /^REKINDLE_/

/**
 * Bytes of prompt and command (UTF-8, together) one launch may carry. Both travel inside the single
 * tmux command that starts the agent (argv or environment), and tmux refuses a command line over
 * about 16 KiB ("command too long") — after the worktree exists. Half of that leaves room for the
 * paths and variables rekindle adds and for the hand-off text of a relaunch.
 */
const LAUNCH_BYTES = 8192

/** UTF-8 length of `s` (a lone surrogate counts as the 3 bytes of U+FFFD). Pure: no TextEncoder. */
const utf8Bytes = (s: string): number => {
  let n = 0
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
  }
  return n
}

// No program can receive a NUL in an argv element or an environment value: refuse it here, before
// anything is created, rather than fail the launch later.
const noNul = Schema.makeFilter(
  (s: string) => !s.includes("\u0000") || "must not contain a NUL character (no program can receive one)"
)

/** Text that reaches the agent verbatim (argv or environment): no NUL, at most {@link LAUNCH_BYTES}. */
const LaunchText = Schema.String.check(
  noNul,
  Schema.makeFilter(
    (s: string) =>
      utf8Bytes(s) <= LAUNCH_BYTES ||
      `is ${utf8Bytes(s)} bytes; at most ${LAUNCH_BYTES} fit in the tmux command that starts the agent`
  )
)

/** A prompt: inline text, or a file relative to the manifest's directory. */
export const ManifestPrompt = Schema.Union([LaunchText, Schema.Struct({ file: Schema.NonEmptyString.check(noNul) })])

/** argv of a `shell` agent: a program name first (never empty), each element passed verbatim. */
const Command = Schema.Array(Schema.String.check(noNul)).check(
  Schema.isMinLength(1),
  Schema.makeFilter(
    (argv: ReadonlyArray<string>) => argv[0] !== "" || { path: [0], issue: "the program name must not be empty" }
  )
)

/** Extra environment variables of a task's agent: plain names, not rekindle's own `REKINDLE_*`. */
const AgentEnv = Schema.Record(
  Schema.String.check(
    Schema.isPattern(ENV_NAME, { message: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)" }),
    Schema.makeFilter((k: string) => !RESERVED_ENV.test(k) || "REKINDLE_* variables are set by rekindle itself")
  ),
  Schema.String.check(noNul)
)

/** One task of a manifest. */
export const ManifestTask = Schema.Struct({
  id: TaskId,
  /** A built-in kind ({@link ManifestAgent}) or one named in `options.agents`. */
  agent: AgentKind,
  prompt: ManifestPrompt,
  /** argv of a `shell` agent (never a shell string). */
  command: Schema.optionalKey(Command),
  /** Extra arguments for the agent (`["--model", "o4-mini"]`), after its executable or at `{ splice: "args" }`. */
  args: Schema.optionalKey(Schema.Array(Schema.String.check(noNul))),
  /** Extra environment variables for the agent. */
  env: Schema.optionalKey(AgentEnv),
  dependsOn: Schema.optionalKey(Schema.Array(TaskId)),
  /** Tasks sharing a lane in a wave are merged together (all or none). */
  lane: Schema.optionalKey(TaskId)
}).check(
  Schema.makeFilter((t) => {
    // Prompt and command share one tmux command line (a file prompt is checked once it is read).
    const bytes =
      (typeof t.prompt === "string" ? utf8Bytes(t.prompt) : 0) +
      [...(t.command ?? []), ...(t.args ?? [])].reduce((n, a) => n + utf8Bytes(a) + 1, 0) +
      Object.entries(t.env ?? {}).reduce((n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v) + 2, 0)
    return (
      bytes <= LAUNCH_BYTES ||
      `prompt, command, args and env together are ${bytes} bytes; at most ${LAUNCH_BYTES} fit in the tmux command that starts the agent`
    )
  })
)
/** @see ManifestTask */
export type ManifestTask = typeof ManifestTask.Type

/** Batch options (all optional; defaults in {@link MANIFEST_DEFAULTS}). */
export const ManifestOptions = Schema.Struct({
  batchId: Schema.optionalKey(TaskId),
  maxLanes: Schema.optionalKey(Schema.Finite.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 64 }))),
  failurePolicy: Schema.optionalKey(Schema.Literals(["stop-all", "stop-wave", "skip-dependents"])),
  mergeFailurePolicy: Schema.optionalKey(Schema.Literals(["pause", "abort"])),
  /** Seconds without output after which a task counts as stalled. */
  stallTimeoutSeconds: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1))),
  relaunchCap: Schema.optionalKey(Schema.Finite.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 100 }))),
  /**
   * How many tasks a recovery plan relaunches at once (default 1: one after another). A task's own steps (stop,
   * snapshot, relaunch) always stay in order; only different tasks overlap.
   */
  relaunchConcurrency: Schema.optionalKey(
    Schema.Finite.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 64 }))
  ),
  /** Where agents write done markers: rekindle's state dir (default) or `.rekindle-done` in the worktree. */
  doneMarker: Schema.optionalKey(Schema.Literals(["state-dir", "worktree"])),
  /**
   * Record the agent's folder trust for the repository root before launching it (default true: running agents on a
   * repository with rekindle is the user's act of trust in it). Off: a task whose agent asks waits, saying why.
   */
  trustRepository: Schema.optionalKey(Schema.Boolean),
  /**
   * A program to notify (an argv, never a shell string): run once per event with one JSON event on
   * stdin — a task waiting for input, failed, stalled or succeeded, and the batch's end.
   */
  notify: Schema.optionalKey(Command),
  /** A `tmux -L` name: a plain file name, never `.`/`..` (a directory) nor starting with `-`. */
  tmuxSocket: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(TMUX_SOCKET_NAME, { message: TMUX_SOCKET_RULE }))
  ),
  /** Agent kinds of this batch, same shape as the built-in table; a built-in name replaces that row. */
  agents: Schema.optionalKey(Schema.Array(AgentKindSpec))
})
/** @see ManifestOptions */
export type ManifestOptions = typeof ManifestOptions.Type

/** The manifest document. */
export const Manifest = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  tasks: Schema.Array(ManifestTask).check(Schema.isMinLength(1)),
  options: Schema.optionalKey(ManifestOptions)
})
/** @see Manifest */
export interface Manifest extends ManifestType {}
type ManifestType = typeof Manifest.Type

/** Defaults for omitted options. */
export const MANIFEST_DEFAULTS = {
  maxLanes: 4,
  failurePolicy: "stop-wave",
  mergeFailurePolicy: "pause",
  stallTimeoutSeconds: 900,
  relaunchCap: 3,
  doneMarker: "state-dir"
} as const

/** A manifest that decoded and validated, with its wave plan. */
export interface ValidManifest {
  readonly manifest: Manifest
  readonly waves: ReadonlyArray<ReadonlyArray<string>>
}

const decode = Schema.decodeUnknownResult(Manifest, { errors: "all", onExcessProperty: "error" })

/** Split Schema's message into one problem per issue (each names its field path). */
const schemaProblems = (message: string): ReadonlyArray<string> => issueLines(message).map(withSuggestion)

/** The keys a manifest object may have, by where it sits. */
const KNOWN_KEYS = {
  top: Object.keys(Manifest.fields),
  options: Object.keys(ManifestOptions.fields),
  task: Object.keys(ManifestTask.fields)
} as const

/** Levenshtein distance (small strings: keys). */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next.push(
        Math.min(
          row[j]! + 1,
          next[j - 1]! + 1,
          row[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1)
        )
      )
    }
    row = next
  }
  return row[b.length]!
}

/** The known key closest to `key` (at most two edits, or a third of its letters, apart), if any. */
const suggestKey = (key: string, known: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1 // a swap of two letters is two edits
  for (const k of known) {
    const d = distance(key, k)
    if (d < bestD) {
      best = k
      bestD = d
    }
  }
  return best
}

/** "Expected no excess property at [\"options\"][\"maxLane\"]" gains "; did you mean \"maxLanes\"?". */
const withSuggestion = (problem: string): string => {
  const m = /excess property at (.*)$/.exec(problem)
  if (m === null) return problem
  const path = [...m[1]!.matchAll(/\[("(?:[^"\\]|\\.)*"|\d+)\]/g)].map((x) => x[1]!)
  const last = path.at(-1)
  if (last === undefined || !last.startsWith('"')) return problem
  const key = JSON.parse(last) as string
  const where =
    path.length === 1
      ? KNOWN_KEYS.top
      : path[0] === '"options"' && path.length === 2
        ? KNOWN_KEYS.options
        : path[0] === '"tasks"' && path.length === 3
          ? KNOWN_KEYS.task
          : []
  const guess = suggestKey(key, where)
  return guess === undefined ? problem : `${problem}; did you mean ${JSON.stringify(guess)}?`
}

/** The `options.agents` rows of a raw manifest that decoded as rows (the Schema reports the others). */
const rawAgentRows = (input: unknown): ReadonlyArray<{ readonly index: number; readonly spec: AgentKindSpec }> => {
  const options = typeof input === "object" && input !== null ? (input as { options?: unknown }).options : undefined
  const agents = typeof options === "object" && options !== null ? (options as { agents?: unknown }).agents : undefined
  if (!Array.isArray(agents)) return []
  return agents.flatMap((row, index) => {
    const decoded = decodeKind(row)
    return Result.isSuccess(decoded) ? [{ index, spec: decoded.success }] : []
  })
}

const decodeKind = Schema.decodeUnknownResult(AgentKindSpec, { onExcessProperty: "error" })

/**
 * What the Schema cannot see: an `options.agents` row that is unsafe or cannot resume, a task naming
 * a kind that is in neither table, `command` without a kind that splices it (or missing where needed),
 * `args` for a kind whose argv is the task's own `command`.
 */
const agentProblems = (input: unknown, rawTasks: ReadonlyArray<unknown>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const rows = rawAgentRows(input)
  const custom = new Map<string, AgentKindSpec>()
  for (const { index, spec } of rows) {
    for (const p of kindProblems(spec)) problems.push(`options.agents[${index}].${p.field}: ${p.message}`)
    if (custom.has(spec.name))
      problems.push(`options.agents[${index}].name: agent kind "${spec.name}" is defined twice`)
    custom.set(spec.name, spec)
  }
  const builtins: ReadonlyArray<string> = ManifestAgent.literals
  rawTasks.forEach((t, i) => {
    const task = (typeof t === "object" && t !== null ? t : {}) as {
      agent?: unknown
      command?: unknown
      args?: unknown
    }
    if (typeof task.agent !== "string") return
    const spec = custom.get(task.agent)
    if (spec === undefined && !builtins.includes(task.agent)) {
      const known = [...builtins, ...custom.keys()].filter((k, j, all) => all.indexOf(k) === j)
      problems.push(
        `tasks[${i}].agent: unknown agent kind "${task.agent}" (known: ${known.join(", ")}; add your own in options.agents)`
      )
      return
    }
    const splicesCommand =
      spec === undefined
        ? task.agent === "shell"
        : [...spec.fresh, ...(spec.resume ?? [])].some(
            (tok) => typeof tok === "object" && "splice" in tok && tok.splice === "command"
          )
    if (splicesCommand && task.command === undefined)
      problems.push(`tasks[${i}].command: agent "${task.agent}" needs a "command" (argv array)`)
    if (!splicesCommand && task.command !== undefined)
      problems.push(`tasks[${i}].command: only for an agent whose argv is the task's command (such as "shell")`)
    if (splicesCommand && task.args !== undefined)
      problems.push(`tasks[${i}].args: agent "${task.agent}" runs the task's "command" as is; put arguments there`)
  })
  return problems
}

/**
 * Validate a parsed manifest. Every problem is listed; ids are checked for safety before the Schema
 * so a hostile id is named in the message exactly once.
 */
export const validateManifest = (input: unknown): Result.Result<ValidManifest, ReadonlyArray<string>> => {
  const problems: Array<string> = []
  const rawTasks =
    typeof input === "object" && input !== null && Array.isArray((input as { tasks?: unknown }).tasks)
      ? (input as { tasks: ReadonlyArray<unknown> }).tasks
      : []
  const decoded = decode(input)
  if (Result.isFailure(decoded)) problems.push(...schemaProblems(decoded.failure.message))
  const graph = rawTasks.flatMap((t) => {
    if (typeof t !== "object" || t === null) return []
    const { id, dependsOn } = t as { id?: unknown; dependsOn?: unknown }
    if (typeof id !== "string" || !SAFE_ID_PATTERN.test(id)) return []
    const deps = Array.isArray(dependsOn) ? dependsOn.filter((d): d is string => typeof d === "string") : []
    return [{ id, dependsOn: deps }]
  })
  problems.push(...agentProblems(input, rawTasks))
  const waves = planWaves(graph)
  if (Result.isFailure(waves)) problems.push(...waves.failure.problems.map(describeWaveProblem))
  if (problems.length > 0 || Result.isFailure(decoded) || Result.isFailure(waves)) return Result.fail(problems)
  return Result.succeed({ manifest: decoded.success, waves: waves.success })
}
