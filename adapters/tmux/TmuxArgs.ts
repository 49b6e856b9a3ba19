/**
 * Pure rules for building tmux argv safely, shared by the real adapter and the fake (which must
 * refuse exactly what the real one refuses).
 *
 * tmux rewrites data in three places that an argv array alone does not protect:
 * 1. its command-line parser ends a command at ANY argument ending in `;` (and turns `\;` into `;`);
 * 2. some arguments are expanded as formats (`-s` session name, `-c` directory, the pipe-pane
 *    command, option values shown in the status line), where `#{…}` and `#(cmd)` are live;
 * 3. a command given as ONE word is run through `sh -c` (two or more words are exec'd directly).
 */
import type { NewSessionSpec, PaneTarget, SessionTarget } from "../../core/ports/Tmux.ts"

/** Escape one argument for tmux's command-line parser: a trailing `;` becomes `\;`. */
export const escapeArg = (arg: string): string => (arg.endsWith(";") ? `${arg.slice(0, -1)}\\;` : arg)

/** Join tmux commands into one argv, each argument escaped, commands separated by a bare `;`. */
export const commandLine = (commands: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> =>
  commands.flatMap((cmd, i) => [...(i === 0 ? [] : [";"]), ...cmd.map(escapeArg)])

/** Escape text for an argument tmux expands as a format: `#` becomes `##`. */
export const escapeFormat = (text: string): string => text.replaceAll("#", "##")

/** Escape text shown in the status line (format AND strftime expanded): `#` → `##`, `%` → `%%`. */
export const escapeStatus = (text: string): string => escapeFormat(text).replaceAll("%", "%%")

/** Quote one word for POSIX sh: single quotes, each `'` written as `'\''`. Safe for any byte but NUL. */
export const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * The pipe-pane command appending to `file`. pipe-pane only takes a shell command (the one place
 * tmux forces a shell), so the path is single-quoted for sh, then format-escaped for tmux. The path
 * must have passed {@link absolutePathProblem}.
 */
export const pipeCommand = (file: string): string => escapeFormat(`cat >> ${shellQuote(file)}`)

/**
 * The words tmux must exec for `argv`. A single word would be run by `sh -c`, so it is prefixed
 * with `env --`, which execs it directly (pane_current_command then shows the program itself).
 */
export const programArgv = (argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  argv.length === 1 ? ["env", "--", ...argv] : argv

// Control characters are vis-encoded by tmux in names and break line-based output elsewhere.
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * Why tmux would not store `name` verbatim (or could not target it exactly), or `undefined`.
 * tmux turns `.` and `:` into `_`, vis-encodes control characters and `\`, and reads a leading `$`
 * as an id; `/` is refused because a session target may also match a client's tty name.
 */
export const sessionNameProblem = (name: string): string | undefined => {
  if (name === "") return "session name is empty"
  if (CONTROL.test(name)) return "session name contains a control character"
  if (/[.:\\/]/.test(name)) return "session name contains one of . : \\ / (tmux rewrites or misreads them)"
  if (name.startsWith("$")) return "session name starts with $ (tmux reads it as a session id)"
  return undefined
}

/** Why `path` is not an absolute path rekindle will hand to tmux, or `undefined`. */
export const absolutePathProblem = (path: string): string | undefined => {
  if (!path.startsWith("/")) return `path is not absolute: ${JSON.stringify(path)}`
  if (/[\0\n\r]/.test(path)) return "path contains NUL or a line break"
  return undefined
}

/** Why `key` is not a valid environment variable name, or `undefined`. */
const envKeyProblem = (key: string): string | undefined =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? undefined : `invalid environment variable name: ${JSON.stringify(key)}`

/** Why `value` cannot be stored as an option value (the task tag, say), or `undefined`. */
const optionValueProblem = (value: string): string | undefined =>
  CONTROL.test(value) ? "value contains a control character" : undefined

/** Why `socket` is not a usable `-L` socket name, or `undefined`. */
export const socketProblem = (socket: string): string | undefined =>
  socket === "" || socket === "." || socket === ".." || socket.startsWith("-") || /[/\0]/.test(socket)
    ? `invalid tmux socket name: ${JSON.stringify(socket)} (a plain file name: not empty, not . or .., no leading -, no /)`
    : undefined

/** Why `key` is not a tmux key name for send-keys, or `undefined`. */
export const keyNameProblem = (key: string): string | undefined =>
  key === "" || /\s/.test(key) || CONTROL.test(key) ? `invalid key name: ${JSON.stringify(key)}` : undefined

/** Why `spec` cannot be launched as given (checked before anything runs), or `undefined`. */
export const newSessionProblem = (spec: NewSessionSpec): string | undefined =>
  sessionNameProblem(spec.name) ??
  absolutePathProblem(spec.cwd) ??
  (spec.argv.length === 0 || spec.argv[0] === "" ? "argv is empty" : undefined) ??
  (spec.argv.some((a) => a.includes("\0")) ? "argv contains NUL" : undefined) ??
  Object.keys(spec.env ?? {})
    .map(envKeyProblem)
    .find((p) => p !== undefined) ??
  (Object.values(spec.env ?? {}).some((v) => v.includes("\0")) ? "environment value contains NUL" : undefined) ??
  (spec.taskTag === undefined ? undefined : optionValueProblem(spec.taskTag)) ??
  (spec.logFile === undefined ? undefined : absolutePathProblem(spec.logFile))

/** The exact tmux target for a session (`=name` or `$id`), or a problem. */
export const sessionTargetArg = (t: SessionTarget): { readonly arg: string } | { readonly problem: string } => {
  if ("sessionId" in t)
    return /^\$\d+$/.test(t.sessionId)
      ? { arg: t.sessionId }
      : { problem: `invalid session id: ${JSON.stringify(t.sessionId)}` }
  const problem = sessionNameProblem(t.name)
  return problem === undefined ? { arg: `=${t.name}` } : { problem }
}

/**
 * The same session as a pane-type target (`=name:` / `$id:`), which commands like set-option need:
 * there a bare `=name` would be read as a window or pane name.
 */
export const sessionPaneTargetArg = (t: SessionTarget): { readonly arg: string } | { readonly problem: string } => {
  const r = sessionTargetArg(t)
  return "arg" in r ? { arg: `${r.arg}:` } : r
}

/** The exact tmux target for a pane (`%id`, or `=name:` for a session's active pane), or a problem. */
export const paneTargetArg = (t: PaneTarget): { readonly arg: string } | { readonly problem: string } => {
  if ("paneId" in t)
    return /^%\d+$/.test(t.paneId) ? { arg: t.paneId } : { problem: `invalid pane id: ${JSON.stringify(t.paneId)}` }
  return sessionPaneTargetArg({ name: t.session })
}

/** `tmux` global flags: always `-u` (UTF-8 whatever the locale), `-L socket` when one is set. */
export const globalFlags = (socket: string | undefined): ReadonlyArray<string> =>
  socket === undefined ? ["-u"] : ["-u", "-L", socket]

/** The argv a user runs to look at a session (see the port's `attachCommand`). */
export const attachArgv = (
  socket: string | undefined,
  session: SessionTarget,
  insideTmux: boolean
): ReadonlyArray<string> => {
  const t = sessionTargetArg(session)
  const target = "arg" in t ? t.arg : "sessionId" in session ? session.sessionId : `=${session.name}`
  return ["tmux", ...globalFlags(socket), insideTmux ? "switch-client" : "attach-session", "-t", escapeArg(target)]
}

/**
 * Split `text` into pieces of at most `maxBytes` UTF-8 bytes without splitting a code point:
 * tmux refuses a command line longer than about 16 KiB ("command too long").
 */
export const chunkText = (text: string, maxBytes: number): ReadonlyArray<string> => {
  const chunks: Array<string> = []
  let current = ""
  let size = 0
  for (const ch of text) {
    const n = Buffer.byteLength(ch, "utf8")
    if (size + n > maxBytes && current !== "") {
      chunks.push(current)
      current = ""
      size = 0
    }
    current += ch
    size += n
  }
  if (current !== "") chunks.push(current)
  return chunks
}
