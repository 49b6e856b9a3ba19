/**
 * Port: one tmux server (one socket). rekindle observes panes, launches each task's agent in its own
 * session, types into panes, reads their screens and pipes their output to log files.
 *
 * Every target is exact: a session by `=name` or `$id`, a pane by `%id` or the active pane of a
 * session (`=name:`). A plain `-t name` would prefix-match (`task-1` hitting `task-10`), so no method
 * accepts a bare tmux target string.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { TmuxStatus } from "../domain/Signals.ts"

/**
 * Why a tmux command failed.
 * - `NoServer`: no server runs on the socket (so no session exists).
 * - `Unreachable`: a server may run but cannot be talked to (permission, bad socket path…).
 * - `Timeout`: tmux did not answer in time (a hung server).
 * - `NotFound`: the session or pane target does not exist.
 * - `DuplicateSession`: a session with exactly that name already exists.
 * - `InvalidArgument`: refused before running anything (a name tmux would rewrite, a relative path…).
 * - `Failed`: anything else tmux reported (the message carries its stderr).
 */
export const TmuxErrorReason = Schema.Literals([
  "NoServer",
  "Unreachable",
  "Timeout",
  "NotFound",
  "DuplicateSession",
  "InvalidArgument",
  "Failed"
])
/** @see TmuxErrorReason */
export type TmuxErrorReason = typeof TmuxErrorReason.Type

/** A tmux command failed; `reason` says how, `message` says what tmux said. */
export class TmuxError extends Schema.TaggedError<TmuxError>()("TmuxError", {
  reason: TmuxErrorReason,
  message: Schema.String
}) {}

/** A session, by exact name or by id (`$3`). Never a prefix. */
export type SessionTarget = { readonly name: string } | { readonly sessionId: string }

/** A pane, by id (`%7`) or as the active pane of the session with exactly this name. */
export type PaneTarget = { readonly paneId: string } | { readonly session: string }

/** What to launch in a new session. */
export interface NewSessionSpec {
  /**
   * Exact session name. Refused (`InvalidArgument`) when tmux would store it differently: empty,
   * containing `.` `:` `\` `/`, a control character, or starting with `$`.
   */
  readonly name: string
  /** Absolute working directory; it must exist (tmux would silently fall back to another one). */
  readonly cwd: string
  /** The program and its arguments, exec'd directly (never through a shell). Must not be empty. */
  readonly argv: ReadonlyArray<string>
  /** Variables added to the program's environment. */
  readonly env?: Readonly<Record<string, string>>
  /** Set as the pane option `@rekindle_task` before the program starts (the ownership tag). */
  readonly taskTag?: string
  /** Absolute file that receives the pane's output from the program's very first byte. */
  readonly logFile?: string
}

/** The pane a {@link TmuxShape.newSession} launched. */
export interface LaunchedPane {
  readonly sessionId: string
  readonly paneId: string
  /** Pid of the launched program (the pane's process). */
  readonly panePid: number
}

/** The operations rekindle needs from one tmux server. */
export interface TmuxShape {
  /**
   * Every pane of the server in ONE `list-panes -a`. Never fails: `up` with panes, `no-server`,
   * or `unknown` (timeout, permission, anything else) — the three are never collapsed.
   */
  readonly snapshot: Effect.Effect<TmuxStatus>
  /**
   * Create a detached session running `argv`, with `remain-on-exit on` (a dead pane stays listed
   * with its exit status) and the task tag set BEFORE the program starts. Starts the server when
   * none runs. Fails `DuplicateSession` when the name is taken (the existing session is untouched).
   */
  readonly newSession: (spec: NewSessionSpec) => Effect.Effect<LaunchedPane, TmuxError>
  /** Kill exactly this session. `NotFound` when it does not exist. */
  readonly killSession: (target: SessionTarget) => Effect.Effect<void, TmuxError>
  /**
   * Kill exactly this pane (its program is hung up); the other panes of its session stay, and the session goes
   * only with its last pane. `NotFound` when it does not exist.
   */
  readonly killPane: (pane: PaneTarget) => Effect.Effect<void, TmuxError>
  /**
   * Type `text` literally into the pane (no key-name interpretation), then press Enter unless
   * `submit` is false (leaving it typed but unsubmitted). A newline in `text` is typed as a newline.
   */
  readonly sendText: (
    pane: PaneTarget,
    text: string,
    options?: { readonly submit?: boolean }
  ) => Effect.Effect<void, TmuxError>
  /** Press tmux keys by name, e.g. `["Enter"]` or `["C-c"]`. */
  readonly sendKeys: (pane: PaneTarget, keys: ReadonlyArray<string>) => Effect.Effect<void, TmuxError>
  /** The last `lines` non-blank-trailing lines of the pane (wrapped lines joined), oldest first. */
  readonly capture: (pane: PaneTarget, lines: number) => Effect.Effect<ReadonlyArray<string>, TmuxError>
  /**
   * Append the pane's output to the absolute file `file`, unless the pane is already piped (an
   * existing pipe is never toggled off or replaced). Resolves whether a pipe was started.
   */
  readonly ensurePipe: (pane: PaneTarget, file: string) => Effect.Effect<boolean, TmuxError>
  /** Show `text` literally (no format or strftime expansion) as the session's `status-right`. */
  readonly setStatus: (session: SessionTarget, text: string) => Effect.Effect<void, TmuxError>
  /**
   * The argv a user runs to look at the session: `tmux [-L socket] attach-session -t =name`, or
   * `switch-client` when the user's terminal is already a client of THIS server. Pure.
   */
  readonly attachCommand: (session: SessionTarget, options: { readonly insideTmux: boolean }) => ReadonlyArray<string>
}

/** Service tag for {@link TmuxShape}. */
export class Tmux extends Context.Service<Tmux, TmuxShape>()("rekindle/Tmux") {}
