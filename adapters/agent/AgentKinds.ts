/**
 * The built-in agent table. Pure data: a user overrides a row (same `name`) or adds one in config.
 *
 * Flag spellings were checked against each agent's public docs and issue trackers (2025–2026); what
 * could not be confirmed is said in the row's `notes`. Prompt safety per agent:
 * - claude, codex: the prompt is positional, after `--` (both CLIs honour end-of-options; others
 *   who orchestrate them report `claude … -- "- [ ] task"` working where the bare form fails with
 *   "unknown option").
 * - opencode, aider: the prompt rides in the attached `--flag=<prompt>` form, which yargs and
 *   argparse never split or re-read as an option, whatever the value starts with; OpenCode's resume
 *   (`opencode run`) takes its turn positionally, after `--`.
 * - shell: the prompt is never interpolated; it travels in the REKINDLE_PROMPT environment variable.
 */
import type { AgentKindSpec } from "../../core/ports/AgentLauncher.ts"

/** Claude Code: rekindle assigns the session UUID up front, so resume never depends on discovery. */
export const claude: AgentKindSpec = {
  name: "claude",
  executable: "claude",
  fresh: ["--session-id", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  resume: ["--resume", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  conversation: "assigned",
  transcript: {
    type: "file",
    root: { env: "CLAUDE_CONFIG_DIR", default: "~/.claude" },
    path: "projects/{cwdSlug}/{conversationId}.jsonl",
    format: "jsonl"
  },
  trust: {
    root: { env: "CLAUDE_CONFIG_DIR", default: "~" },
    path: ".claude.json",
    key: ["projects", "{repoRoot}", "hasTrustDialogAccepted"]
  },
  notes:
    "`claude --session-id <uuid>` (must be a UUID), `claude --resume <id>`; interactive REPL with an initial prompt. " +
    "Transcript: <CLAUDE_CONFIG_DIR or ~/.claude>/projects/<slug of cwd>/<id>.jsonl; the slug rule is undocumented " +
    "(reverse-engineered by several tools, incl. the >200-unit hash suffix) and Claude resolves symlinks in cwd, so the " +
    "check tries the real path first."
}

/** Codex CLI: the session id is chosen by Codex and learned later (its rollout file name). */
export const codex: AgentKindSpec = {
  name: "codex",
  executable: "codex",
  fresh: [{ when: "prompt", argv: ["--", "{prompt}"] }],
  resume: ["resume", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  conversation: "discovered",
  transcript: {
    type: "glob",
    root: { env: "CODEX_HOME", default: "~/.codex" },
    pattern: "sessions/*/*/*/rollout-*-{conversationId}.jsonl",
    format: "jsonl"
  },
  notes:
    "`codex [PROMPT]` (interactive TUI), `codex resume <SESSION_ID> [PROMPT]`. Rollouts live in " +
    "<CODEX_HOME or ~/.codex>/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl; one source says rollouts older than 7 days " +
    "are zstd-compressed (.jsonl.zst), which this check does not match (reported as not found: relaunch fresh)."
}

/**
 * OpenCode: TUI with an initial prompt; session ids (`ses_…`) are chosen by OpenCode. Resume is
 * `opencode run --session <id> -- <continuation>`: the TUI's `--session <id> --prompt=<text>` restores the
 * session but never submits the text (1.18.33, measured: the agent sat idle), while `run` continues that
 * session with the turn and exits when the agent stops.
 */
const opencode: AgentKindSpec = {
  name: "opencode",
  executable: "opencode",
  fresh: [{ when: "prompt", argv: ["--prompt={prompt}"] }],
  resume: ["run", "--session", "{conversationId}", { when: "prompt", argv: ["--", "{prompt}"] }],
  conversation: "discovered",
  transcript: { type: "none" },
  notes:
    "`opencode --prompt <text>` starts the TUI with a prompt (some 1.0.x releases only pre-filled it: " +
    "anomalyco/opencode#4700, fixed later). Resume: `opencode run --session <id> -- <text>` (non-interactive: it " +
    "continues the session with the turn and exits when the agent stops; `run` quotes a message holding spaces, so " +
    "the model sees the continuation in double quotes). The session is checked in OpenCode's SQLite database."
}

/**
 * pi (`@mariozechner/pi-coding-agent`): session ids chosen by pi. Its argument parser has no `--`
 * end-of-options (a `--` swallows the next word), reads `@x` as a file and `-x` as an option, so no
 * argv form carries arbitrary text: the prompt is written to a file rekindle owns and passed as
 * `@<file>`, which pi reads into its first message.
 */
const pi: AgentKindSpec = {
  name: "pi",
  executable: "pi",
  fresh: [{ when: "prompt", argv: ["@{promptFile}"] }],
  resume: ["--session", "{conversationId}", { when: "prompt", argv: ["@{promptFile}"] }],
  conversation: "discovered",
  transcript: {
    type: "glob",
    root: { env: "PI_CODING_AGENT_DIR", default: "~/.pi/agent" },
    pattern: "sessions/*/*_{conversationId}.jsonl",
    format: "jsonl"
  },
  notes:
    "`pi @<prompt file>` (interactive TUI; checked on 0.73.1), `pi --session <id>` continues a session. Sessions: " +
    "<PI_CODING_AGENT_DIR or ~/.pi/agent>/sessions/--<cwd slug>--/<time>_<id>.jsonl, first line " +
    '{"type":"session","id","cwd","timestamp"} (how rekindle learns the id).'
}

/**
 * Gemini CLI: rekindle assigns the session UUID (`--session-id`), and `--resume <uuid>` finds it among the sessions
 * of the current project (0.61.0 looks the identifier up by UUID before trying it as an index; scenario (c) in
 * test/real-agents/GeminiCrash.test.ts: `--resume <uuid> --prompt-interactive=<turn>` sends the earlier turns plus the
 * turn once). The prompt
 * rides in the attached `--prompt-interactive=<text>` form (yargs never re-reads it as an option): the TUI submits it
 * and stays interactive.
 */
const gemini: AgentKindSpec = {
  name: "gemini",
  executable: "gemini",
  fresh: ["--session-id", "{conversationId}", { when: "prompt", argv: ["--prompt-interactive={prompt}"] }],
  resume: ["--resume", "{conversationId}", { when: "prompt", argv: ["--prompt-interactive={prompt}"] }],
  conversation: "assigned",
  // 0.61.0 names a session's file after its start (to the minute) and the id's first 8 characters, under a per-project
  // directory it names itself (~/.gemini/projects.json); the first line is {"sessionId": <the whole id>, …}.
  transcript: {
    type: "glob",
    root: { env: "GEMINI_CLI_HOME", default: "~" },
    pattern: ".gemini/tmp/*/chats/session-*-{conversationIdPrefix}.jsonl",
    format: "jsonl"
  },
  // 0.61.0 reads <GEMINI_CLI_HOME or ~>/.gemini/trustedFolders.json, or the file GEMINI_CLI_TRUSTED_FOLDERS_PATH names;
  // a folder is trusted by its longest matching rule, so the root's TRUST_FOLDER covers the worktrees under it.
  // Gemini writes the file only when the user answers its trust screen: any other value there is that answer.
  trust: {
    root: { env: "GEMINI_CLI_HOME", default: "~" },
    path: ".gemini/trustedFolders.json",
    fileEnv: "GEMINI_CLI_TRUSTED_FOLDERS_PATH",
    key: ["{repoRoot}"],
    value: "TRUST_FOLDER",
    alsoTrusted: ["TRUST_PARENT"],
    keepOtherValues: true
  },
  notes:
    "`gemini --session-id <uuid> --prompt-interactive=<text>` (interactive TUI; checked on 0.61.0), " +
    "`gemini --resume <uuid>`. Sessions: <GEMINI_CLI_HOME or ~>/.gemini/tmp/<project>/chats/" +
    "session-<time>-<first 8 characters of the id>.jsonl, <project> named after the cwd in ~/.gemini/projects.json " +
    "(checked before resume: its first and last lines). " +
    'Folder trust: "<repository root>": "TRUST_FOLDER" in ~/.gemini/trustedFolders.json ' +
    '(trustRepository); a "DO_NOT_TRUST" the user chose for the root is left, and Gemini then runs it untrusted (YOLO off).'
}

/** Aider: the conversation is the chat history file in the working directory; no id. */
const aider: AgentKindSpec = {
  name: "aider",
  executable: "aider",
  fresh: [{ when: "prompt", argv: ["--message={prompt}"] }],
  resume: ["--restore-chat-history", { when: "prompt", argv: ["--message={prompt}"] }],
  conversation: "implicit",
  transcript: { type: "file", root: { default: "{cwd}" }, path: ".aider.chat.history.md", format: "text" },
  notes:
    "`aider --message <text>` processes one message and EXITS (it disables chat mode); for an interactive aider, " +
    "override this row with an empty fresh template and deliver the prompt into the pane. `--restore-chat-history` " +
    "reloads <git root>/.aider.chat.history.md (the worktree root is the cwd); the check can only see that it is non-empty."
}

/** Any program: argv is the task's `command`; the prompt is an environment variable, never argv. */
const shell: AgentKindSpec = {
  name: "shell",
  fresh: [{ splice: "command" }],
  conversation: "none",
  promptEnv: "REKINDLE_PROMPT",
  transcript: { type: "none" },
  notes: "argv = the task's `command` array, run without a shell; the prompt is in $REKINDLE_PROMPT. No resume."
}

/** The built-in table, in display order. */
export const BUILTIN_KINDS: ReadonlyArray<AgentKindSpec> = [claude, codex, opencode, aider, shell, pi, gemini]

/** Overlay configured kinds on a table: same name replaces the row in place, new names append. */
export const mergeKinds = (
  base: ReadonlyArray<AgentKindSpec>,
  overrides: ReadonlyArray<AgentKindSpec>
): ReadonlyArray<AgentKindSpec> => {
  const byName = new Map(overrides.map((k) => [k.name, k]))
  const merged = base.map((k) => byName.get(k.name) ?? k)
  const known = new Set(base.map((k) => k.name))
  return [
    ...merged,
    ...overrides.filter((k, i) => !known.has(k.name) && overrides.findIndex((o) => o.name === k.name) === i)
  ]
}
