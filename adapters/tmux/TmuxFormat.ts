/**
 * Pure parsing of tmux output: the one `list-panes -a` snapshot, `capture-pane`, and tmux's error
 * messages.
 *
 * Snapshot rows are fields joined by U+001F (unit separator). Session names cannot contain it
 * (tmux vis-encodes control characters in names), but `pane_current_command` (a program's argv[0])
 * and the `@rekindle_task` option can hold any byte, newlines included. So every free-text field
 * goes through tmux's own `s/regex/?/` modifier, which turns control characters into `?`: a row is
 * then exactly one line with exactly the separators we put there. The session name is still the
 * last field, so even a tmux that let a separator through would parse unambiguously.
 */
import type { TmuxPane } from "../../core/domain/Signals.ts"

/** The field separator: a control character, which no field can contain after sanitizing. */
export const SEP = "\u001f"

/** tmux's regex (inside `#{s/…/?/:…}`) matching what {@link sanitize} replaces. */
const CONTROL_CLASS = "[\u0001-\u001f\u007f]"
const free = (variable: string): string => `#{s/${CONTROL_CLASS}/?/:${variable}}`

/** Snapshot fields in order; the session name is last. */
const FIELDS = [
  // The server's own pid, on every row: see `needsReap`.
  "#{pid}",
  "#{session_id}",
  "#{pane_id}",
  "#{pane_pid}",
  "#{pane_dead}",
  "#{pane_dead_status}",
  "#{pane_dead_signal}",
  "#{pane_pipe}",
  free("pane_current_command"),
  free("@rekindle_task"),
  free("session_name")
] as const

/** The `-F` format for `list-panes -a`. */
export const LIST_PANES_FORMAT = FIELDS.join(SEP)

/** What tmux's `s` modifier does to a free-text field: control characters become `?`. */
export const sanitize = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, "?")

/**
 * The line tmux prints for `pane` with {@link LIST_PANES_FORMAT} (the inverse of
 * {@link parseListPanes}; used by tests and by anything that fakes tmux output).
 */
export const renderPaneRow = (pane: TmuxPane, serverPid: number): string =>
  [
    String(serverPid),
    pane.sessionId,
    pane.paneId,
    String(pane.panePid),
    pane.dead ? "1" : "0",
    pane.deadStatus === undefined ? "" : String(pane.deadStatus),
    pane.deadSignal === undefined ? "" : String(pane.deadSignal),
    pane.piped === true ? "1" : "0",
    sanitize(pane.currentCommand),
    sanitize(pane.taskTag ?? ""),
    sanitize(pane.sessionName)
  ].join(SEP)

const INT = /^\d+$/

const parseRow = (line: string): { readonly pane: TmuxPane; readonly serverPid: number } | string => {
  const parts = line.split(SEP)
  if (parts.length < FIELDS.length) return `expected ${FIELDS.length} fields, got ${parts.length}`
  const [server, sessionId, paneId, pid, dead, status, signal, pipe, command, tag] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string
  ]
  const sessionName = parts.slice(FIELDS.length - 1).join(SEP)
  if (!INT.test(server)) return `bad server pid ${JSON.stringify(server)}`
  if (!/^\$\d+$/.test(sessionId)) return `bad session id ${JSON.stringify(sessionId)}`
  if (!/^%\d+$/.test(paneId)) return `bad pane id ${JSON.stringify(paneId)}`
  if (!INT.test(pid)) return `bad pane pid ${JSON.stringify(pid)}`
  if (dead !== "0" && dead !== "1") return `bad pane_dead ${JSON.stringify(dead)}`
  if (pipe !== "0" && pipe !== "1") return `bad pane_pipe ${JSON.stringify(pipe)}`
  if (status !== "" && !INT.test(status)) return `bad pane_dead_status ${JSON.stringify(status)}`
  if (signal !== "" && !INT.test(signal)) return `bad pane_dead_signal ${JSON.stringify(signal)}`
  // A program killed by signal N has no exit status: the signal is kept apart, because a kill from
  // outside is not the agent's own outcome (resume and the monitor re-execute it, never fail it).
  const deadStatus = dead !== "1" || status === "" ? undefined : Number(status)
  const deadSignal = dead !== "1" || status !== "" || signal === "" ? undefined : Number(signal)
  const pane: TmuxPane = {
    sessionId,
    sessionName,
    paneId,
    panePid: Number(pid),
    dead: dead === "1",
    ...(deadStatus === undefined ? {} : { deadStatus }),
    ...(deadSignal === undefined ? {} : { deadSignal }),
    currentCommand: command,
    ...(tag === "" ? {} : { taskTag: tag }),
    piped: pipe === "1"
  }
  return { pane, serverPid: Number(server) }
}

/**
 * Parse `list-panes -a -F LIST_PANES_FORMAT` output. Any malformed row fails the whole parse:
 * a pane silently skipped could later be concluded dead.
 */
export const parseListPanes = (
  stdout: string
):
  | { readonly ok: true; readonly panes: ReadonlyArray<TmuxPane>; readonly serverPid: number | undefined }
  | { readonly ok: false; readonly reason: string } => {
  const panes: Array<TmuxPane> = []
  let serverPid: number | undefined
  for (const line of stdout.split("\n")) {
    if (line === "") continue
    const row = parseRow(line)
    if (typeof row === "string")
      return { ok: false, reason: `unparseable list-panes row (${row}): ${JSON.stringify(line)}` }
    panes.push(row.pane)
    serverPid = row.serverPid
  }
  return { ok: true, panes, serverPid }
}

/**
 * Whether the server must be nudged to reap: tmux 3.3 sometimes misses the SIGCHLD of a pane's
 * program (seen in up to 40% of launches on a fresh server), leaving the pane dead, its program a
 * zombie and `pane_dead_status` empty until some other child exits. Sending the server SIGCHLD —
 * what tmux itself does after utempter — makes it reap, so the next snapshot has the status.
 */
export const needsReap = (panes: ReadonlyArray<TmuxPane>): boolean =>
  panes.some((p) => p.dead && p.deadStatus === undefined && p.deadSignal === undefined)

/** How a failed tmux command's stderr reads. */
type TmuxFailure = "NoServer" | "Unreachable" | "NotFound" | "DuplicateSession" | "Failed"

/**
 * Classify tmux's stderr. "no server running" is a socket nobody listens on (ECONNREFUSED: a dead
 * server's leftover socket); ENOENT is a socket that was never there. Any other connection error
 * (permission, a path too long, unsafe directory permissions) says nothing about the server.
 */
export const classifyFailure = (stderr: string): TmuxFailure => {
  if (/no server running on /.test(stderr)) return "NoServer"
  if (/error connecting to .*\(No such file or directory\)/.test(stderr)) return "NoServer"
  if (/error connecting to |unsafe permissions|server exited unexpectedly|lost server/.test(stderr))
    return "Unreachable"
  if (/duplicate session/.test(stderr)) return "DuplicateSession"
  if (/can't find (session|pane|window)|no such (session|pane|window)|session not found|pane not found/.test(stderr))
    return "NotFound"
  return "Failed"
}

/**
 * The last `n` lines of `capture-pane -p` output: the trailing newline and the blank rows below
 * the cursor are dropped first, so "last lines" means the last lines with content.
 */
export const lastLines = (captured: string, n: number): ReadonlyArray<string> => {
  const lines = captured.split("\n")
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop()
  return n <= 0 ? [] : lines.slice(-n)
}
