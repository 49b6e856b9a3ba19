/**
 * The FakeWorld: every fake adapter over one shared, state-based world — a clock, a process table,
 * tmux servers, git repos, an in-memory disk and fake agents — with drivers that act on the world
 * the way real failures do (a killed tmux server kills the processes under it, a torn write leaves a
 * torn file). Engine, executor and CLI tests run on it; embedders can test their integration on it.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import * as FileSystem from "effect/FileSystem"
import type { AgentLauncher } from "../core/ports/AgentLauncher.ts"
import type { Journal } from "../core/ports/Journal.ts"
import type { LeaseStore } from "../core/ports/Lease.ts"
import type { LogTail } from "../core/ports/LogTail.ts"
import type { ProcessTable } from "../core/ports/ProcessTable.ts"
import type { StateStore } from "../core/ports/StateStore.ts"
import type { Tmux } from "../core/ports/Tmux.ts"
import type { Worktrees } from "../core/ports/Worktrees.ts"
import * as AgentLauncherFake from "./agent/AgentLauncherFake.ts"
import { FakeAgents } from "./testing/FakeAgents.ts"
import { FakeClock, ProcWorld, type FakeProcess } from "./testing/World.ts"
import { GitWorld } from "./git/GitWorld.ts"
import * as WorktreesFake from "./git/WorktreesFake.ts"
import * as LogTailFs from "./logs/LogTailFs.ts"
import * as ProcessTableFake from "./processtable/ProcessTableFake.ts"
import { FaultPlan } from "./fs/FaultPlan.ts"
import * as FaultyFileSystem from "./fs/FaultyFileSystem.ts"
import * as JournalFs from "./store/JournalFs.ts"
import * as LeaseFs from "./store/LeaseFs.ts"
import * as MemoryFileSystem from "./fs/MemoryFileSystem.ts"
import * as StateStoreFs from "./store/StateStoreFs.ts"
import * as TmuxFake from "./tmux/TmuxFake.ts"
import { TmuxWorld } from "./tmux/TmuxWorld.ts"

export { FakeAgents, type AgentScript } from "./testing/FakeAgents.ts"
export { FakeClock, ProcWorld } from "./testing/World.ts"
export { GitWorld } from "./git/GitWorld.ts"
export { TmuxWorld } from "./tmux/TmuxWorld.ts"

/** Every service the engine needs, as the FakeWorld provides them. */
export type WorldServices =
  | Tmux
  | Worktrees
  | ProcessTable
  | StateStore
  | Journal
  | LeaseStore
  | AgentLauncher
  | LogTail
  | FileSystem.FileSystem
  | Path.Path

/** Options of a FakeWorld. */
export interface FakeWorldOptions {
  /** tmux socket name the fake tmux adapter talks to ("default" when absent). */
  readonly socket?: string
}

/** The shared fake world and its drivers. */
export class FakeWorld {
  readonly clock = new FakeClock()
  readonly procs: ProcWorld
  readonly memory: MemoryFileSystem.MemoryFileSystem
  readonly faults = new FaultPlan()
  readonly fs: FileSystem.FileSystem
  readonly tmux: TmuxWorld
  readonly git: GitWorld
  readonly agents: FakeAgents
  readonly socket: string | undefined
  /** The fake rekindle process: ProcessTable.self answers with it. */
  supervisor: FakeProcess

  constructor(options: FakeWorldOptions = {}) {
    this.socket = options.socket
    this.procs = new ProcWorld(this.clock)
    this.memory = MemoryFileSystem.make({ clock: this.clock, enforcePermissions: false })
    this.fs = FaultyFileSystem.make(this.memory.fs, this.faults).fs
    const append = (file: string, text: string) =>
      Effect.runSync(Effect.ignore(this.memory.fs.writeFileString(file, text, { flag: "a" })))
    this.git = new GitWorld(this.clock)
    this.tmux = new TmuxWorld(this.procs, { pipeSink: append })
    this.agents = new FakeAgents(this)
    this.tmux.onLaunch = (pane, argv, cwd, env) => this.agents.launched(pane, argv, cwd, env)
    this.supervisor = this.procs.spawn(["rekindle", "supervise"])
  }

  /** A Clock over the world's clock: `sleep` advances fake time at once (tests never wait). */
  readonly effectClock: Clock.Clock = {
    currentTimeMillisUnsafe: () => this.clock.now(),
    currentTimeMillis: Effect.sync(() => this.clock.now()),
    currentTimeNanosUnsafe: () => BigInt(this.clock.now()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(this.clock.now()) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => BigInt(this.clock.now()) * 1_000_000n,
    monotonicTimeNanos: Effect.sync(() => BigInt(this.clock.now()) * 1_000_000n),
    sleep: (d) =>
      Effect.andThen(
        Effect.sync(() => {
          this.clock.advance(Duration.toMillis(d))
          this.agents.tick()
        }),
        Effect.yieldNow
      )
  }

  /** Every engine service over this world. */
  layer(): Layer.Layer<WorldServices> {
    const base = Layer.mergeAll(Path.layer, Layer.succeed(FileSystem.FileSystem, this.fs))
    const overFs = Layer.mergeAll(StateStoreFs.layer, JournalFs.layer(), LeaseFs.layer, LogTailFs.layer).pipe(
      Layer.provide(base)
    )
    return Layer.mergeAll(
      base,
      overFs,
      TmuxFake.layer(this.tmux, this.socket),
      WorktreesFake.layer(this.git),
      ProcessTableFake.layer(this.procs, () => this.supervisor.pid),
      AgentLauncherFake.layer(this.fs)
    )
  }

  /** Run `effect` over this world (its services and its clock). */
  run<A, E>(effect: Effect.Effect<A, E, WorldServices>): Promise<A> {
    return Effect.runPromise(
      effect.pipe(Effect.provide(this.layer()), Effect.provideService(Clock.Clock, this.effectClock))
    )
  }

  /** Run and return the Exit (for tests that expect failures or crashes). */
  runExit<A, E>(effect: Effect.Effect<A, E, WorldServices>) {
    return Effect.runPromiseExit(
      effect.pipe(Effect.provide(this.layer()), Effect.provideService(Clock.Clock, this.effectClock))
    )
  }

  // Drivers ------------------------------------------------------------------------------------

  /** The supervisor died (SIGKILL) and a new one starts: a new process identity. */
  restartSupervisor(): void {
    this.procs.kill(this.supervisor.pid, "SIGKILL")
    this.faults.crashed = false // the dead process's file-system view dies with it
    this.supervisor = this.procs.spawn(["rekindle", "supervise"])
  }
  crashPane(paneId: string): void {
    this.tmux.crashPane(paneId)
  }
  exitPane(paneId: string, code: number): void {
    this.tmux.exitPane(paneId, code)
  }
  killServer(): void {
    this.tmux.killServer(this.socket)
  }
  makeServerUnreachable(on: boolean): void {
    this.tmux.makeServerUnreachable(this.socket ?? "default", on)
  }
  killProcess(pid: number): void {
    this.procs.kill(pid, "SIGKILL")
  }
  reusePid(pid: number): void {
    this.procs.reusePid(pid)
  }
  /**
   * A host orchestrator adds a worktree of its own: `git worktree add -b <branch> <path> <base>` in
   * the repo at `repo` (made with `world.git.initRepo`). Throws on a missing repo, base or a taken branch.
   */
  addWorktree(repo: string, path: string, branch: string, base = "HEAD"): void {
    this.git.addWorktree(repo, path, branch, base)
  }
  /**
   * A host orchestrator starts a tmux session of its own (no rekindle ownership tag, no log pipe) on
   * the world's socket, running `argv` in `cwd`; `env` reaches the program (`REKINDLE_TASK` makes it a
   * fake agent that follows `world.agents.scripts`). Returns the pane id; throws when the name is taken.
   */
  startSession(
    name: string,
    cwd: string,
    argv: ReadonlyArray<string>,
    env: Readonly<Record<string, string>> = {}
  ): string {
    const pane = this.tmux.launch(this.socket ?? "default", {
      name,
      cwd,
      argv,
      env,
      taskTag: undefined,
      logFile: undefined
    })
    if (pane === "duplicate") throw new Error(`a session named ${name} already exists`)
    return pane.id
  }
  /** The session named exactly `name` is killed (`tmux kill-session -t =name`); its programs are hung up. */
  killSession(name: string): void {
    const session = this.tmux.sessions(this.socket ?? "default").find((s) => s.name === name)
    if (session !== undefined) this.tmux.killSession(session)
  }
  deleteWorktreeDir(path: string): void {
    this.git.deleteWorktreeDir(path)
  }
  dirtyWorktree(path: string, file = "wip.txt", content = "work in progress\n"): void {
    this.git.dirtyWorktree(path, file, content)
  }
  tearNextWrite(atByte: number): void {
    this.faults.tearNextWrite(atByte)
  }
  advanceClock(ms: number): void {
    this.clock.advance(ms)
  }
  /** Write a file on the fake disk (parent directories created). */
  writeFile(path: string, content: string): void {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/"
    Effect.runSync(this.memory.fs.makeDirectory(dir, { recursive: true }))
    Effect.runSync(this.memory.fs.writeFileString(path, content))
  }
}
