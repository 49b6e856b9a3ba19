/**
 * What the CLI's command handlers take from the Effect context, so the same handlers run in the bin
 * (live services) and in-process in tests (the FakeWorld and a scripted terminal):
 * - {@link CliEnv}: the terminal and process facts (TTYs, environment, cwd), the confirmation
 *   prompt, the git toplevel lookup, interactive `tmux attach`, and doctor's probes;
 * - {@link EngineLayer}: the engine services for a tmux socket. The live layer is per socket and the
 *   socket is only known once the batch state is read, hence a factory rather than one layer.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import type { EngineError } from "../core/engine/support/Errors.ts"
import type { AgentLauncher } from "../core/ports/AgentLauncher.ts"
import type { Journal } from "../core/ports/Journal.ts"
import type { LeaseStore } from "../core/ports/Lease.ts"
import type { LogTail } from "../core/ports/LogTail.ts"
import type { ProcessTable } from "../core/ports/ProcessTable.ts"
import type { StateStore } from "../core/ports/StateStore.ts"
import type { Tmux } from "../core/ports/Tmux.ts"
import type { Worktrees } from "../core/ports/Worktrees.ts"

/** Every service an engine use-case needs (the live layer and the FakeWorld both provide them). */
export type EngineServices =
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

/** A program's result, as doctor's probes see it. */
export interface ProbeResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** A background supervisor that was started. */
export interface SupervisorStart {
  readonly pid: number
  readonly line: string | undefined
}

/** The terminal and process the CLI runs in. */
export interface CliEnvShape {
  /** Absolute working directory. */
  readonly cwd: string
  /** The process environment (NO_COLOR, TERM, TMUX, HOME, PATH…). */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stdinIsTTY: boolean
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  /** Ask a yes/no question on stderr and read the answer from stdin (only called on terminals). */
  readonly confirm: (question: string) => Effect.Effect<boolean>
  /**
   * The top-level directory of the git repository containing `dir` (`git rev-parse
   * --show-toplevel`, a real path). Fails E_GIT_FAILED outside a repository.
   */
  readonly gitToplevel: (dir: string) => Effect.Effect<string, EngineError>
  /** Run `argv` attached to this terminal (tmux attach / switch-client); its exit code. */
  readonly interactive: (argv: ReadonlyArray<string>) => Effect.Effect<number, EngineError>
  /** Run a program with argv (never a shell) for doctor; undefined when it cannot be run at all. */
  readonly probe: (command: string, args: ReadonlyArray<string>) => Effect.Effect<ProbeResult | undefined>
  /** The absolute path of `program` found on PATH, if any. */
  readonly which: (program: string) => Effect.Effect<string | undefined>
  /**
   * Start `rekindle <argv>` as a detached background process (its stderr appended to `logFile`)
   * and wait for the first line it prints on stdout (its readiness document); `line` is undefined
   * when it exited without one.
   */
  readonly spawnSupervisor: (
    argv: ReadonlyArray<string>,
    logFile: string
  ) => Effect.Effect<SupervisorStart, EngineError>
  /** Send `signal` to process `pid` (demo: SIGKILL the supervisor); false when it is gone. */
  readonly kill: (pid: number, signal: "SIGKILL" | "SIGTERM") => Effect.Effect<boolean>
  /** Write raw text to stderr (the live progress line rewrites itself with `\r`). */
  readonly writeStderr: (text: string) => Effect.Effect<void>
  /**
   * How often long work polls the journal for progress; undefined: no live polling, the events are
   * printed once the work is done (deterministic, for tests).
   */
  readonly progressIntervalMs: number | undefined
}

/** Service tag for {@link CliEnvShape}. */
export class CliEnv extends Context.Service<CliEnv, CliEnvShape>()("rekindle/cli/CliEnv") {}

/** Builds the engine services for a tmux socket. */
export interface EngineLayerShape {
  /** The engine services talking to tmux socket `socket` (undefined: the user's default server). */
  readonly forSocket: (socket: string | undefined) => Layer.Layer<EngineServices, EngineError>
}

/** Service tag for {@link EngineLayerShape}. */
export class EngineLayer extends Context.Service<EngineLayer, EngineLayerShape>()("rekindle/cli/EngineLayer") {}
