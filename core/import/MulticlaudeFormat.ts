/**
 * multiclaude's daemon state, `~/.multiclaude/state.json` (dlorenc/multiclaude, internal/state/state.go):
 * the repositories it tracks, each with one tmux session (`mc-<repo>`) holding a window per agent, and
 * per agent its type, worktree, tmux window, Claude session id and pid. Written atomically by the
 * daemon; everyone else only reads it. Decoding is lenient: fields the mapping does not need (task
 * history, merge-queue, PR-shepherd and fork settings, hooks) are ignored.
 */
import * as Schema from "effect/Schema"

/**
 * Agent types multiclaude writes. Persistent ones (its daemon restarts them when they die, and
 * recreates supervisor and workspace when the session is gone) vs transient ones (worker, review).
 */
export const MULTICLAUDE_PERSISTENT = ["supervisor", "merge-queue", "pr-shepherd", "workspace", "generic-persistent"]

/** One agent record (Go `state.Agent`; times are RFC 3339, zero time `0001-01-01T00:00:00Z`). */
export const MulticlaudeAgent = Schema.Struct({
  type: Schema.String,
  worktree_path: Schema.String,
  tmux_window: Schema.String,
  /** The Claude Code session id (`claude --session-id` / `--resume`). */
  session_id: Schema.String,
  /** The Claude process; 0 when not running. */
  pid: Schema.Finite,
  task: Schema.optionalKey(Schema.String),
  summary: Schema.optionalKey(Schema.String),
  failure_reason: Schema.optionalKey(Schema.String),
  created_at: Schema.String,
  last_nudge: Schema.optionalKey(Schema.String),
  /** Set by `multiclaude agent complete`: the worker finished and waits for the daemon's cleanup. */
  ready_for_cleanup: Schema.optionalKey(Schema.Boolean)
})
/** @see MulticlaudeAgent */
export type MulticlaudeAgent = typeof MulticlaudeAgent.Type

/** One tracked repository (Go `state.Repository`); Go writes a nil map as `null`. */
const MulticlaudeRepository = Schema.Struct({
  github_url: Schema.String,
  tmux_session: Schema.String,
  agents: Schema.NullOr(Schema.Record(Schema.String, MulticlaudeAgent)),
  target_branch: Schema.optionalKey(Schema.String)
})

/** The whole state file (Go `state.State`). */
export const MulticlaudeState = Schema.Struct({
  repos: Schema.NullOr(Schema.Record(Schema.String, MulticlaudeRepository)),
  current_repo: Schema.optionalKey(Schema.String)
})
/** @see MulticlaudeState */
export type MulticlaudeState = typeof MulticlaudeState.Type
