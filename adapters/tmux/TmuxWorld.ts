/**
 * The FakeWorld's tmux section: servers (one per socket name, "default" for the user's default
 * server), their sessions and panes, all backed by processes in the shared {@link ProcWorld}.
 *
 * Liveness is never stored twice: a pane is dead exactly when its process is dead, and a server is
 * gone exactly when its process is. Whatever killed them (a driver here, a signal through the fake
 * ProcessTable), {@link TmuxWorld.sweep} applies tmux's rules lazily before every read: a dead pane
 * stays listed only with remain-on-exit on, an empty session disappears, a server with no session
 * exits, and a dead server hangs up every pane process (those that ignore SIGHUP survive it).
 */
import type { FakeProcess, ProcWorld } from "../testing/World.ts"

/** One fake pane. */
export interface FakePane {
  readonly id: string
  readonly session: FakeSession
  readonly process: FakeProcess
  readonly env: Readonly<Record<string, string>>
  remainOnExit: boolean
  /** The server missed this program's exit so far: listed dead without a status (see `delayExitStatus`). */
  statusPending: boolean
  taskTag: string | undefined
  /** File the pane's output is piped to, if any. */
  pipe: string | undefined
  /** Screen and history, oldest first; the last element is the line the cursor is on. */
  readonly screen: Array<string>
  /** Typed but not yet submitted (the line discipline's buffer). */
  input: string
  /** Lines submitted with Enter, oldest first. */
  readonly submitted: Array<string>
  /** Key names pressed other than Enter, oldest first. */
  readonly keys: Array<string>
  /** The program's reaction to a submitted line (set by `onLaunch` to fake an agent). */
  onSubmit: ((line: string) => void) | undefined
}

/** One fake session (one window, one pane: all rekindle creates). */
export interface FakeSession {
  readonly id: string
  readonly name: string
  readonly server: FakeServer
  readonly panes: Array<FakePane>
  /** The `status-right` text set by setStatus. */
  status: string | undefined
}

/** One fake tmux server. */
export interface FakeServer {
  readonly socket: string
  readonly process: FakeProcess
  readonly sessions: Array<FakeSession>
}

/** What newSession asks of the world (already validated by the fake adapter). */
interface LaunchSpec {
  readonly name: string
  readonly cwd: string
  readonly argv: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly taskTag: string | undefined
  readonly logFile: string | undefined
}

/** Construction options. */
interface TmuxWorldOptions {
  /** Receives piped pane output (the FakeWorld's file system appends it to `file`). */
  readonly pipeSink?: (file: string, text: string) => void
  /** Whether a directory exists (default: every absolute path does). */
  readonly isDirectory?: (path: string) => boolean
}

/** The socket key of the user's default server. */
export const DEFAULT_SOCKET = "default"

/** The tmux section of the FakeWorld. */
export class TmuxWorld {
  readonly procs: ProcWorld
  readonly isDirectory: (path: string) => boolean
  /** Called for every launched program: attach fake-agent behaviour here. */
  onLaunch:
    | ((pane: FakePane, argv: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>>) => void)
    | undefined
  private readonly pipeSink: (file: string, text: string) => void
  private readonly servers = new Map<string, FakeServer>()
  private readonly unreachable = new Set<string>()
  private nextSession = 0
  private nextPane = 0

  constructor(procs: ProcWorld, options: TmuxWorldOptions = {}) {
    this.procs = procs
    this.pipeSink = options.pipeSink ?? (() => {})
    this.isDirectory = options.isDirectory ?? (() => true)
    this.onLaunch = undefined
  }

  /** Apply tmux's rules to whatever died since the last look (see the module comment). */
  sweep(): void {
    for (const [socket, server] of this.servers) {
      if (!server.process.alive) {
        for (const s of server.sessions) for (const p of s.panes) this.procs.kill(p.process.pid, "SIGHUP")
        this.servers.delete(socket)
        continue
      }
      for (const s of server.sessions) {
        const keep = s.panes.filter((p) => p.process.alive || p.remainOnExit)
        s.panes.splice(0, s.panes.length, ...keep)
      }
      const live = server.sessions.filter((s) => s.panes.length > 0)
      server.sessions.splice(0, server.sessions.length, ...live)
      if (live.length === 0) {
        this.procs.exit(server.process.pid, 0)
        this.servers.delete(socket)
      }
    }
  }

  /** The server on `socket`, if one runs. */
  server(socket: string = DEFAULT_SOCKET): FakeServer | undefined {
    this.sweep()
    return this.servers.get(socket)
  }

  /** Whether `socket` was made unreachable. */
  isUnreachable(socket: string = DEFAULT_SOCKET): boolean {
    return this.unreachable.has(socket)
  }

  /** Every session of `socket`'s server. */
  sessions(socket: string = DEFAULT_SOCKET): ReadonlyArray<FakeSession> {
    return this.server(socket)?.sessions ?? []
  }

  /** The pane with this id on any server. */
  pane(paneId: string): FakePane | undefined {
    this.sweep()
    for (const server of this.servers.values()) {
      for (const s of server.sessions) for (const p of s.panes) if (p.id === paneId) return p
    }
    return undefined
  }

  /** Create a session running `spec.argv` (starting the server if needed); remain-on-exit is on. */
  launch(socket: string, spec: LaunchSpec): FakePane | "duplicate" {
    let server = this.server(socket)
    if (server?.sessions.some((s) => s.name === spec.name) === true) return "duplicate"
    if (server === undefined) {
      server = { socket, process: this.procs.spawn(["tmux", "-L", socket, "new-session"]), sessions: [] }
      this.servers.set(socket, server)
    }
    const session: FakeSession = { id: `$${this.nextSession++}`, name: spec.name, server, panes: [], status: undefined }
    const pane = this.openPane(session, spec.argv, spec.cwd, {
      env: spec.env,
      remainOnExit: true,
      taskTag: spec.taskTag,
      pipe: spec.logFile
    })
    server.sessions.push(session)
    this.onLaunch?.(pane, spec.argv, spec.cwd, spec.env)
    return pane
  }

  /** Kill a session: its pane processes are hung up, an emptied server exits. */
  killSession(session: FakeSession): void {
    for (const p of session.panes) this.procs.kill(p.process.pid, "SIGHUP")
    const all = session.server.sessions
    const i = all.indexOf(session)
    if (i >= 0) all.splice(i, 1)
    if (all.length === 0) this.procs.exit(session.server.process.pid, 0)
    this.sweep()
  }

  /** Kill one pane: its process is hung up; an emptied session goes, then an emptied server. */
  killPane(pane: FakePane): void {
    this.procs.kill(pane.process.pid, "SIGHUP")
    const i = pane.session.panes.indexOf(pane)
    if (i >= 0) pane.session.panes.splice(i, 1)
    if (pane.session.panes.length === 0) {
      const all = pane.session.server.sessions
      const j = all.indexOf(pane.session)
      if (j >= 0) all.splice(j, 1)
      if (all.length === 0) this.procs.exit(pane.session.server.process.pid, 0)
    }
    this.sweep()
  }

  /**
   * Driver: somebody opens another window in the session `name` (`tmux new-window -t =name`) running `argv`, untagged
   * unless `taskTag` is given. Returns the new pane, or undefined when there is no such session.
   */
  addPane(
    socket: string,
    name: string,
    argv: ReadonlyArray<string>,
    cwd: string,
    taskTag?: string
  ): FakePane | undefined {
    const session = this.server(socket)?.sessions.find((x) => x.name === name)
    if (session === undefined) return undefined
    return this.openPane(session, argv, cwd, { env: {}, remainOnExit: false, taskTag, pipe: undefined })
  }

  /** A new pane in `session` running `argv` (a child of the session's server). */
  private openPane(
    session: FakeSession,
    argv: ReadonlyArray<string>,
    cwd: string,
    options: Pick<FakePane, "env" | "remainOnExit" | "taskTag" | "pipe">
  ): FakePane {
    const pane: FakePane = {
      id: `%${this.nextPane++}`,
      session,
      process: this.procs.spawn(argv, session.server.process.pid, cwd),
      ...options,
      statusPending: false,
      screen: [""],
      input: "",
      submitted: [],
      keys: [],
      onSubmit: undefined
    }
    session.panes.push(pane)
    return pane
  }

  /** Driver: the pane's program is SIGKILLed (exit status 137). */
  crashPane(paneId: string): void {
    const p = this.pane(paneId)
    if (p !== undefined) this.procs.kill(p.process.pid, "SIGKILL")
  }

  /** Driver: the pane's program exits with `code`. */
  exitPane(paneId: string, code: number): void {
    const p = this.pane(paneId)
    if (p !== undefined) this.procs.exit(p.process.pid, code)
  }

  /**
   * Driver: like tmux 3.3 when it misses a SIGCHLD, the next snapshot lists the pane dead WITHOUT an
   * exit status; the snapshot after that has it (the real adapter nudges the server to reap).
   */
  delayExitStatus(paneId: string): void {
    const p = this.pane(paneId)
    if (p !== undefined) p.statusPending = true
  }

  /** Driver: the server on `socket` dies (SIGTERM); pane programs get SIGHUP. */
  killServer(socket: string = DEFAULT_SOCKET): void {
    const server = this.servers.get(socket)
    if (server !== undefined) this.procs.kill(server.process.pid, "SIGTERM")
    this.sweep()
  }

  /** Driver: the server cannot be talked to (snapshot `unknown`, commands `Unreachable`). */
  makeServerUnreachable(socket: string, on: boolean): void {
    if (on) this.unreachable.add(socket)
    else this.unreachable.delete(socket)
  }

  /** Driver: turn remain-on-exit off (or on) for a pane. */
  setRemainOnExit(paneId: string, on: boolean): void {
    const p = this.pane(paneId)
    if (p !== undefined) p.remainOnExit = on
  }

  /** Driver: the pane's program prints `text` (to the screen, and to the pipe if any). */
  write(paneId: string, text: string): void {
    const p = this.pane(paneId)
    if (p !== undefined && p.process.alive) this.emit(p, text)
  }

  /** Keyboard: type `text` literally; the terminal echoes it, a newline submits the line. */
  type(paneId: string, text: string): void {
    const p = this.pane(paneId)
    if (p === undefined || !p.process.alive) return
    const lines = text.split(/\r\n|\n|\r/)
    lines.forEach((line, i) => {
      if (i > 0) this.submit(p)
      p.input += line
      if (line !== "") this.emit(p, line)
    })
  }

  /** Keyboard: press keys by tmux name. Enter submits; C-c interrupts the program (SIGINT). */
  press(paneId: string, keys: ReadonlyArray<string>): void {
    const p = this.pane(paneId)
    if (p === undefined || !p.process.alive) return
    for (const key of keys) {
      if (key === "Enter" || key === "C-m") this.submit(p)
      else {
        p.keys.push(key)
        if (key === "C-c") this.procs.kill(p.process.pid, "SIGINT")
      }
    }
  }

  private emit(p: FakePane, text: string): void {
    const parts = text.replaceAll("\r\n", "\n").replaceAll("\r", "").split("\n")
    p.screen[p.screen.length - 1] += parts[0]!
    p.screen.push(...parts.slice(1))
    if (p.pipe !== undefined) this.pipeSink(p.pipe, text)
  }

  private submit(p: FakePane): void {
    const line = p.input
    p.input = ""
    this.emit(p, "\r\n")
    p.submitted.push(line)
    p.onSubmit?.(line)
  }
}
