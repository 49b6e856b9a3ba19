/**
 * The core of the FakeWorld: a clock and a process table that every fake adapter shares, so that a
 * driver acting on one tool is seen by all of them (killing the fake tmux server kills the processes
 * under it; a crashed pane shows as a dead process in the process table).
 *
 * Fakes are state-based worlds with drivers, not spies: tests act on the world and assert outcomes.
 */

/** A controllable clock in epoch milliseconds. */
export class FakeClock {
  private current: number
  constructor(start = 1_750_000_000_000) {
    this.current = start
  }
  /** Current time in ms. */
  now(): number {
    return this.current
  }
  /** Move time forward (never backwards). */
  advance(ms: number): void {
    this.current += Math.max(0, ms)
  }
}

/** Signal numbers of the signals rekindle and its tests send (Linux numbering). */
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/** One process of the fake machine. */
export interface FakeProcess {
  readonly pid: number
  readonly ppid: number
  /** Distinct for every process ever started, so a reused pid is told apart. */
  readonly startTime: string
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  alive: boolean
  /** Its exit status when it exited on its own (undefined while alive, or when a signal killed it). */
  exitCode: number | undefined
  /** The signal number that killed it (a kill from outside: no exit status). */
  signal: number | undefined
  /** Signals the process ignores (an agent that survives SIGHUP, say). */
  readonly ignores: Set<string>
}

/** The fake machine's process table. */
export class ProcWorld {
  readonly clock: FakeClock
  readonly host: string
  /** When true, reading the process table fails (permission, /proc missing…). */
  unreadable = false
  private readonly table = new Map<number, FakeProcess>()
  private nextPid = 1000
  private starts = 0

  constructor(clock: FakeClock, host = "fake-host") {
    this.clock = clock
    this.host = host
    this.table.set(1, this.make(1, 0, ["init"], "/"))
  }

  private make(pid: number, ppid: number, argv: ReadonlyArray<string>, cwd: string): FakeProcess {
    this.starts += 1
    return {
      pid,
      ppid,
      startTime: `t${this.starts}`,
      argv,
      cwd,
      alive: true,
      exitCode: undefined,
      signal: undefined,
      ignores: new Set()
    }
  }

  /** Start a process under `ppid`. */
  spawn(argv: ReadonlyArray<string>, ppid = 1, cwd = "/"): FakeProcess {
    let pid = this.nextPid++
    while (this.table.get(pid)?.alive === true) pid = this.nextPid++
    const p = this.make(pid, ppid, argv, cwd)
    this.table.set(pid, p)
    return p
  }

  /** The process currently holding `pid` (alive or the last one that held it). */
  get(pid: number): FakeProcess | undefined {
    return this.table.get(pid)
  }

  /** Live processes. */
  list(): ReadonlyArray<FakeProcess> {
    return [...this.table.values()].filter((p) => p.alive)
  }

  /**
   * Deliver a signal: the process dies unless it ignores that signal (SIGKILL is never ignored). A
   * process killed by a signal has no exit status, only the signal — as the kernel (and tmux) report it.
   */
  kill(pid: number, signal = "SIGTERM"): boolean {
    const p = this.table.get(pid)
    if (p === undefined || !p.alive) return false
    if (signal !== "SIGKILL" && p.ignores.has(signal)) return false
    p.alive = false
    p.exitCode = undefined
    p.signal = SIGNAL_NUMBERS[signal] ?? 15
    return true
  }

  /** The process exits on its own with `code`. */
  exit(pid: number, code: number): void {
    const p = this.table.get(pid)
    if (p !== undefined && p.alive) {
      p.alive = false
      p.exitCode = code
    }
  }

  /** Live descendants of `pid`, children first. */
  descendants(pid: number): ReadonlyArray<FakeProcess> {
    const out: Array<FakeProcess> = []
    const walk = (parent: number) => {
      for (const p of this.table.values()) {
        if (p.alive && p.ppid === parent && p.pid !== parent) {
          out.push(p)
          walk(p.pid)
        }
      }
    }
    walk(pid)
    return out
  }

  /** Driver: an unrelated process takes over `pid` (the old holder is dead). */
  reusePid(pid: number, argv: ReadonlyArray<string> = ["unrelated"]): FakeProcess {
    const old = this.table.get(pid)
    if (old !== undefined && old.alive) this.kill(pid, "SIGKILL")
    const p = this.make(pid, 1, argv, "/")
    this.table.set(pid, p)
    return p
  }
}
