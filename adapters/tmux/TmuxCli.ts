/**
 * Real Tmux adapter: the `tmux` program, one adapter per socket, argv only (through Exec).
 *
 * Launching is race-free: the session is first created running a placeholder that never exits on
 * its own (`cat -` reading the idle pane), then `remain-on-exit`, the task tag and the log pipe are
 * set, and only then `respawn-pane -k` replaces the placeholder with the real program — all in one
 * tmux invocation, so a kill -9 of the caller cannot stop it half-way. A program that exits at once therefore still leaves a dead pane (with its exit
 * status — tmux 3.3 may report that one snapshot late, see `needsReap`), and its first output byte
 * already reaches the log file.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ChildProcessSpawner } from "effect/process"
import * as fs from "node:fs"
import { Tmux, TmuxError, type NewSessionSpec, type PaneTarget, type SessionTarget } from "../../core/ports/Tmux.ts"
import type { TmuxStatus } from "../../core/domain/Signals.ts"
import { exec } from "../exec/Exec.ts"
import { processAlive } from "../exec/ProcessAlive.ts"
import * as Args from "./TmuxArgs.ts"
import { classifyFailure, lastLines, LIST_PANES_FORMAT, needsReap, parseListPanes, SEP } from "./TmuxFormat.ts"

/** How long the neutral session that starts a tmux server lives if nothing removes it. */
const PLACEHOLDER_SECONDS = 30

/** The pane option that marks a placeholder, valued with the pid of the process that made it. */
const PLACEHOLDER_OPTION = "@rekindle_placeholder"

/**
 * The session ids of placeholders (rows `<session id><SEP><creator pid>` of `list-panes -a`) whose
 * creator is gone; rows without the tag are skipped.
 */
const orphanedPlaceholders = (stdout: string, alive: (pid: number) => boolean): ReadonlyArray<string> =>
  stdout
    .split("\n")
    .map((line) => line.split(SEP))
    .filter(([id = "", pid = ""]) => /^\$\d+$/.test(id) && /^[1-9]\d*$/.test(pid) && !alive(Number(pid)))
    .map(([id]) => id!)

/** How to reach the server. */
interface TmuxCliOptions {
  /** `-L` socket name; `undefined` is the user's default server. */
  readonly socket?: string
  /** Per-command timeout (default 10 s): a hung server must not hang rekindle. */
  readonly timeout?: Duration.Input
}

/** Bytes of literal text per send-keys call: tmux refuses command lines over ~16 KiB. */
const CHUNK_BYTES = 8000

const invalid = (message: string) => new TmuxError({ reason: "InvalidArgument", message })
const resolve = (r: { readonly arg: string } | { readonly problem: string }) =>
  "arg" in r ? Effect.succeed(r.arg) : Effect.fail(invalid(r.problem))

/** Build the adapter. */
export const make = Effect.fn("TmuxCli.make")(function* (options: TmuxCliOptions = {}) {
  const spawner = yield* Effect.context<ChildProcessSpawner.ChildProcessSpawner>()
  const socket = options.socket
  if (socket !== undefined && Args.socketProblem(socket) !== undefined)
    return yield* invalid(Args.socketProblem(socket)!)
  const timeout = options.timeout ?? "10 seconds"
  const flags = Args.globalFlags(socket)

  /** Run tmux commands (one invocation); never fails on a non-zero exit. */
  const raw = (commands: ReadonlyArray<ReadonlyArray<string>>) =>
    exec("tmux", [...flags, ...Args.commandLine(commands)], { timeout }).pipe(
      Effect.provideContext(spawner),
      Effect.mapError(
        (e) =>
          new TmuxError({
            reason: e.reason === "Timeout" ? "Timeout" : "Failed",
            message: e.reason === "NotFound" ? "tmux is not installed (not on PATH)" : e.message
          })
      )
    )

  /** Run tmux commands; a non-zero exit fails with the reason its stderr reads as. */
  const run = (commands: ReadonlyArray<ReadonlyArray<string>>) =>
    Effect.flatMap(raw(commands), (r) =>
      r.exitCode === 0
        ? Effect.succeed(r.stdout)
        : Effect.fail(
            new TmuxError({
              reason: classifyFailure(r.stderr),
              message: r.stderr.trim() || `tmux exited ${r.exitCode}`
            })
          )
    )

  const snapshot: Effect.Effect<TmuxStatus> = raw([["list-panes", "-a", "-F", LIST_PANES_FORMAT]]).pipe(
    Effect.flatMap((r) =>
      Effect.sync((): TmuxStatus => {
        if (r.exitCode !== 0) {
          return classifyFailure(r.stderr) === "NoServer"
            ? { state: "no-server" }
            : { state: "unknown", reason: r.stderr.trim() || `tmux exited ${r.exitCode}` }
        }
        const parsed = parseListPanes(r.stdout)
        if (!parsed.ok) return { state: "unknown", reason: parsed.reason }
        if (parsed.serverPid !== undefined && needsReap(parsed.panes)) nudge(parsed.serverPid)
        return { state: "up", panes: parsed.panes }
      })
    ),
    Effect.catch((e) => Effect.succeed<TmuxStatus>({ state: "unknown", reason: e.message }))
  )

  /**
   * Whether the server answers (a failure other than "no server" counts as up: the launch reports it).
   * On the way, placeholders whose creator died before its launch list removed them are removed:
   * otherwise one outlives the batch for up to PLACEHOLDER_SECONDS. Only a session tagged
   * {@link PLACEHOLDER_OPTION} with a pid no longer alive is touched — a live creator's is about to be
   * removed by its own launch list, and a session without the tag is never rekindle's.
   */
  const serverUpSweeping = raw([["list-panes", "-a", "-F", `#{session_id}${SEP}#{${PLACEHOLDER_OPTION}}`]]).pipe(
    Effect.flatMap((r) => {
      if (r.exitCode !== 0) return Effect.succeed(classifyFailure(r.stderr) !== "NoServer")
      const orphans = orphanedPlaceholders(r.stdout, processAlive)
      return orphans.length === 0
        ? Effect.succeed(true)
        : Effect.as(Effect.ignore(raw(orphans.map((id) => ["kill-session", "-t", id]))), true)
    }),
    Effect.orElseSucceed(() => true)
  )

  const newSession = Effect.fn("TmuxCli.newSession")(function* (spec: NewSessionSpec) {
    const problem = Args.newSessionProblem(spec)
    if (problem !== undefined) return yield* invalid(problem)
    // tmux silently starts the pane elsewhere when the directory is missing: refuse instead.
    if (!isDirectory(spec.cwd)) return yield* invalid(`working directory does not exist: ${spec.cwd}`)
    const cwd = Args.escapeFormat(spec.cwd)
    const pane = yield* resolve(Args.paneTargetArg({ session: spec.name }))
    const env = Object.entries(spec.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`])
    if (spec.logFile !== undefined) createPrivate(spec.logFile)
    // The tmux server keeps the argv of the client that started it as its process title, readable by
    // every local user in `ps`: the launch list below carries the agent's environment and argv (the
    // prompt). With no server up, one is started first by a neutral command — a placeholder session
    // the launch list removes at its end — so the server's title never holds a prompt.
    const placeholder = (yield* serverUpSweeping)
      ? undefined
      : `rekindle-start-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    // It ends by itself (a caller killed before the launch list would otherwise leave it, and the server,
    // forever): PLACEHOLDER_SECONDS is far longer than the next invocation takes, and remain-on-exit is
    // forced off for it whatever the user's tmux.conf says.
    if (placeholder !== undefined)
      yield* raw([
        ["new-session", "-d", "-s", placeholder, "--", "sleep", String(PLACEHOLDER_SECONDS)],
        ["set-option", "-p", "-t", `=${placeholder}:`, "remain-on-exit", "off"],
        ["set-option", "-p", "-t", `=${placeholder}:`, PLACEHOLDER_OPTION, String(process.pid)]
      ])
    // ONE tmux invocation: the server runs the whole list at once, so a supervisor SIGKILLed in the
    // middle of a launch leaves either nothing or the finished session — never a placeholder pane
    // (untagged, `cat -`), which a later resume would take for the task's live agent and wait on forever.
    const r = yield* raw([
      [
        "new-session",
        "-d",
        "-P",
        "-F",
        ["#{session_id}", "#{pane_id}", "#{session_name}"].join(SEP),
        "-s",
        Args.escapeFormat(spec.name),
        "-c",
        cwd,
        "--",
        "cat",
        "-"
      ],
      ["set-option", "-p", "-t", pane, "remain-on-exit", "on"],
      ...(spec.taskTag === undefined ? [] : [["set-option", "-p", "-t", pane, "--", "@rekindle_task", spec.taskTag]]),
      ...(spec.logFile === undefined ? [] : [["pipe-pane", "-t", pane, "--", Args.pipeCommand(spec.logFile)]]),
      ["respawn-pane", "-k", "-t", pane, "-c", cwd, ...env, "--", ...Args.programArgv(spec.argv)],
      ["display-message", "-p", "-t", pane, "#{pane_pid}"],
      ...(placeholder === undefined ? [] : [["kill-session", "-t", `=${placeholder}`]])
    ])
    if (placeholder !== undefined && r.exitCode !== 0)
      yield* Effect.ignore(run([["kill-session", "-t", `=${placeholder}`]]))
    const [created = "", shown = ""] = r.stdout.split("\n")
    const [sessionId = "", paneId = "", storedName] = created.split(SEP)
    // A list that stopped part-way (a name tmux stored otherwise, a vanished pane) leaves no session behind.
    const killIt = /^\$\d+$/.test(sessionId) ? Effect.ignore(run([["kill-session", "-t", sessionId]])) : Effect.void
    if (r.exitCode !== 0) {
      yield* killIt
      return yield* new TmuxError({
        reason: classifyFailure(r.stderr),
        message: r.stderr.trim() || `tmux exited ${r.exitCode}`
      })
    }
    if (storedName !== spec.name) {
      yield* killIt
      return yield* invalid(`tmux stored the session name as ${JSON.stringify(storedName)}`)
    }
    return { sessionId, paneId, panePid: Number(shown.trim()) }
  })

  const killSession = Effect.fn("TmuxCli.killSession")(function* (target: SessionTarget) {
    yield* run([["kill-session", "-t", yield* resolve(Args.sessionTargetArg(target))]])
  })

  const killPane = Effect.fn("TmuxCli.killPane")(function* (pane: PaneTarget) {
    yield* run([["kill-pane", "-t", yield* resolve(Args.paneTargetArg(pane))]])
  })

  const sendText = Effect.fn("TmuxCli.sendText")(function* (
    pane: PaneTarget,
    text: string,
    opts?: { readonly submit?: boolean }
  ) {
    const t = yield* resolve(Args.paneTargetArg(pane))
    const typing = Args.chunkText(text, CHUNK_BYTES).map((chunk) => ["send-keys", "-t", t, "-l", "--", chunk])
    const enter = opts?.submit === false ? [] : [["send-keys", "-t", t, "Enter"]]
    const batches: Array<ReadonlyArray<ReadonlyArray<string>>> = typing.map((cmd) => [cmd])
    // Enter rides with the last chunk (one process when the text is short).
    if (batches.length === 0) batches.push(enter)
    else batches[batches.length - 1] = [...batches[batches.length - 1]!, ...enter]
    for (const batch of batches) if (batch.length > 0) yield* run(batch)
  })

  const sendKeys = Effect.fn("TmuxCli.sendKeys")(function* (pane: PaneTarget, keys: ReadonlyArray<string>) {
    const t = yield* resolve(Args.paneTargetArg(pane))
    const bad = keys.map(Args.keyNameProblem).find((p) => p !== undefined)
    if (bad !== undefined) return yield* invalid(bad)
    // `--`: a key name starting with `-` is pressed, never read as an option (`-X`, `-R`…).
    if (keys.length > 0) yield* run([["send-keys", "-t", t, "--", ...keys]])
  })

  const capture = Effect.fn("TmuxCli.capture")(function* (pane: PaneTarget, lines: number) {
    const t = yield* resolve(Args.paneTargetArg(pane))
    if (!Number.isInteger(lines) || lines < 0)
      return yield* invalid(`line count must be a non-negative integer: ${lines}`)
    const out = yield* run([["capture-pane", "-p", "-J", "-t", t, "-S", `-${lines}`]])
    return lastLines(out, lines)
  })

  const ensurePipe = Effect.fn("TmuxCli.ensurePipe")(function* (pane: PaneTarget, file: string) {
    const t = yield* resolve(Args.paneTargetArg(pane))
    const problem = Args.absolutePathProblem(file)
    if (problem !== undefined) return yield* invalid(problem)
    // display-message prints empty fields (and exits 0) for a missing pane: the id tells them apart.
    const [paneId = "", piped] = (yield* run([["display-message", "-p", "-t", t, `#{pane_id}${SEP}#{pane_pipe}`]]))
      .trim()
      .split(SEP)
    if (paneId === "") return yield* new TmuxError({ reason: "NotFound", message: `can't find pane: ${t}` })
    // `pipe-pane -o` would toggle an existing pipe OFF, so the check above decides instead.
    if (piped === "1") return false
    createPrivate(file)
    yield* run([["pipe-pane", "-t", paneId, "--", Args.pipeCommand(file)]])
    return true
  })

  const setStatus = Effect.fn("TmuxCli.setStatus")(function* (session: SessionTarget, text: string) {
    const t = yield* resolve(Args.sessionPaneTargetArg(session))
    yield* run([
      ["set-option", "-t", t, "--", "status-right", Args.escapeStatus(text)],
      ["set-option", "-t", t, "status-right-length", String(Math.max(40, [...text].length))]
    ])
  })

  return Tmux.of({
    snapshot,
    newSession,
    killSession,
    killPane,
    sendText,
    sendKeys,
    capture,
    ensurePipe,
    setStatus,
    attachCommand: (session, o) => Args.attachArgv(socket, session, o.insideTmux)
  })
})

/** SIGCHLD to the tmux server so it reaps a child whose exit it missed (see `needsReap`). */
const nudge = (serverPid: number): void => {
  try {
    process.kill(serverPid, "SIGCHLD")
  } catch {
    // the server is gone or not ours to signal: the status simply stays unknown
  }
}

/**
 * Create the log file 0600 if it is missing: tmux's `cat >>` would create it with the server's umask
 * (0644 under the usual 022), readable by anyone. Never follows a symlink. Best effort: when it
 * cannot be created here, tmux's pipe reports nothing either way, as before.
 */
const createPrivate = (file: string): void => {
  try {
    const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants
    fs.closeSync(fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600))
  } catch {
    // the pipe is still started: its own failure is what the log's absence shows
  }
}

const isDirectory = (path: string): boolean => {
  try {
    return fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The live layer for one socket. */
export const layer = (
  options: TmuxCliOptions = {}
): Layer.Layer<Tmux, TmuxError, ChildProcessSpawner.ChildProcessSpawner> => Layer.effect(Tmux, make(options))
