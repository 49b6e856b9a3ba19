/**
 * In-process CLI harness: `rekindle <argv>` runs through the real command tree and Program (exit
 * codes, rendering) over the FakeWorld's engine services, a scripted terminal (TTY flags, answers to
 * confirmations, recorded attaches) and a capturing Console. Nothing touches the real machine.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import { fail } from "../../core/engine/support/Errors.ts"
import { FakeWorld } from "../../adapters/testing.ts"
import * as TmuxFake from "../../adapters/tmux/TmuxFake.ts"
import { runCli } from "../../cli/Program.ts"
import { CliEnv, EngineLayer, type CliEnvShape, type ProbeResult } from "../../cli/Services.ts"
import { REPO } from "../support/world.ts"

/** What one invocation left behind. */
export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Terminal and machine facts a test may script. */
export interface Terminal {
  stdinIsTTY: boolean
  stdoutIsTTY: boolean
  stderrIsTTY: boolean
  env: Record<string, string | undefined>
  cwd: string
  /** Answers to confirmations, in order (a missing answer is "no"). */
  answers: Array<boolean>
  /** Programs found on PATH (doctor). */
  onPath: Record<string, string>
  /** Canned probe answers by program name (doctor); absent: not installed. */
  probes: Record<string, ProbeResult>
  /** Exit code of an interactive `tmux attach`. */
  attachExit: number
  /**
   * What a started background supervisor does: `run` the command in-process to completion (its first
   * stdout line is the readiness), or only answer `ready` without running anything.
   */
  supervisor: "run" | "ready-only"
}

/** A FakeWorld with a scripted terminal around the CLI. */
export class CliHarness {
  readonly world: FakeWorld
  readonly term: Terminal = {
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
    cwd: REPO,
    answers: [],
    onPath: {},
    probes: {},
    attachExit: 0,
    supervisor: "run"
  }
  /** Questions asked, argv of every attach, sockets the engine layer was built for. */
  readonly asked: Array<string> = []
  readonly attached: Array<ReadonlyArray<string>> = []
  readonly sockets: Array<string | undefined> = []
  /** Background supervisors started (argv and what the in-process run printed), pids killed. */
  readonly supervisors: Array<{ readonly argv: ReadonlyArray<string>; readonly result: CliResult }> = []
  readonly killed: Array<number> = []

  /** The repository `git rev-parse --show-toplevel` knows (REPO unless a test places its repo elsewhere). */
  readonly repo: string

  constructor(world = new FakeWorld(), repo = REPO) {
    this.world = world
    this.repo = repo
  }

  private env(stderr: Array<string>): CliEnvShape {
    const t = this.term
    return {
      cwd: t.cwd,
      env: t.env,
      stdinIsTTY: t.stdinIsTTY,
      stdoutIsTTY: t.stdoutIsTTY,
      stderrIsTTY: t.stderrIsTTY,
      confirm: (q) =>
        Effect.sync(() => {
          this.asked.push(q)
          return t.answers.shift() ?? false
        }),
      gitToplevel: (dir) =>
        dir === this.repo || dir.startsWith(`${this.repo}/`)
          ? Effect.succeed(this.repo)
          : Effect.fail(
              fail(
                "E_GIT_FAILED",
                `${dir} is not inside a git repository`,
                "run rekindle inside the repository, or pass --repo <path>"
              )
            ),
      interactive: (argv) =>
        Effect.sync(() => {
          this.attached.push(argv)
          return t.attachExit
        }),
      probe: (command) => Effect.sync(() => t.probes[command]),
      which: (program) => Effect.sync(() => t.onPath[program]),
      // A "background" supervisor runs in-process to completion; its first stdout line is the readiness.
      spawnSupervisor: (argv) =>
        Effect.promise(async () => {
          const child =
            t.supervisor === "run"
              ? await this.run(...argv)
              : { code: 0, stdout: `{"ready":{"batchId":"${argv[1]}"}}\n`, stderr: "" }
          this.supervisors.push({ argv, result: child })
          const line = child.stdout.split("\n")[0] ?? ""
          return { pid: 4242, line: line === "" ? undefined : line }
        }),
      kill: (pid) =>
        Effect.sync(() => {
          this.killed.push(pid)
          return true
        }),
      writeStderr: (text) => Effect.sync(() => void stderr.push(text)),
      progressIntervalMs: undefined
    }
  }

  /** Run `rekindle …argv` in-process. */
  async run(...argv: ReadonlyArray<string>): Promise<CliResult> {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    const text = (args: ReadonlyArray<unknown>) => args.map(String).join(" ")
    const console: Console.Console = {
      ...globalThis.console,
      log: (...args: ReadonlyArray<unknown>) => void stdout.push(`${text(args)}\n`),
      info: (...args: ReadonlyArray<unknown>) => void stdout.push(`${text(args)}\n`),
      error: (...args: ReadonlyArray<unknown>) => void stderr.push(`${text(args)}\n`),
      warn: (...args: ReadonlyArray<unknown>) => void stderr.push(`${text(args)}\n`)
    }
    const world = this.world
    const engine = Layer.succeed(EngineLayer, {
      forSocket: (socket) => {
        this.sockets.push(socket)
        return Layer.mergeAll(world.layer(), TmuxFake.layer(world.tmux, socket ?? world.socket))
      }
    })
    const code = await Effect.runPromise(
      runCli(argv).pipe(
        Effect.provide(Layer.mergeAll(Layer.succeed(CliEnv, this.env(stderr)), engine)),
        Effect.provide(NodeServices.layer),
        Effect.provideService(Console.Console, console),
        Effect.provideService(Clock.Clock, world.effectClock)
      )
    )
    return { code, stdout: stdout.join(""), stderr: stderr.join("") }
  }

  /** Run and parse stdout as the one JSON document. */
  // biome-ignore lint/suspicious/noExplicitAny: a document of any command's shape; tests read what they check
  async json(...argv: ReadonlyArray<string>): Promise<CliResult & { readonly doc: any }> {
    const r = await this.run(...argv, "--json")
    return { ...r, doc: JSON.parse(r.stdout) }
  }

  /** Write a file into the fake world's disk. */
  write(path: string, text: string): Promise<void> {
    return this.world.run(
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        yield* fs.makeDirectory(path.slice(0, path.lastIndexOf("/")), { recursive: true })
        yield* fs.writeFileString(path, text)
      })
    )
  }

  /** Read a file of the fake world's disk (undefined when missing). */
  read(path: string): Promise<string | undefined> {
    return this.world.run(
      Effect.gen(function* () {
        return yield* (yield* FileSystem.FileSystem).readFileString(path).pipe(Effect.orElseSucceed(() => undefined))
      })
    )
  }
}
