/**
 * The live CLI environment: this process's terminal and environment, a readline confirmation on
 * stderr, `git rev-parse --show-toplevel`, `tmux attach` on the inherited terminal, doctor's probes
 * (argv only, through adapters/exec/Exec.ts), and the engine layer per tmux socket
 * (adapters/node.ts).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import * as nodeFs from "node:fs"
import * as nodePath from "node:path"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { fail, type EngineError } from "../../core/engine/support/Errors.ts"
import * as Node from "../../adapters/node.ts"
import { exec } from "../../adapters/exec/Exec.ts"
import { CliEnv, EngineLayer, type CliEnvShape, type SupervisorStart } from "../Services.ts"

/** Ask on stderr, read one line from stdin; anything but y/yes is a no. */
const ask = (question: string): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    let answered = false
    rl.question(`${question} [y/N] `, (answer) => {
      answered = true
      rl.close()
      resume(Effect.succeed(/^\s*y(es)?\s*$/i.test(answer)))
    })
    // Ctrl-C at the question is an interruption, not a no: the process is interrupted (exit 130).
    rl.once("SIGINT", () => {
      answered = true
      rl.close()
      process.stderr.write("\n")
      process.kill(process.pid, "SIGINT")
    })
    // Ctrl-D / closed stdin: a no.
    rl.once("close", () => {
      if (!answered) resume(Effect.succeed(false))
    })
    return Effect.sync(() => rl.close())
  })

/** The first executable file named `program` on PATH. */
const whichSync = (program: string, path: string | undefined): string | undefined => {
  if (program.includes("/")) return nodeFs.existsSync(program) ? program : undefined
  for (const dir of (path ?? "").split(":")) {
    if (dir === "") continue
    const candidate = nodePath.join(dir, program)
    try {
      nodeFs.accessSync(candidate, nodeFs.constants.X_OK)
      if (nodeFs.statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * This CLI's entry point, run again (same Node) for background supervisors: the TypeScript source
 * in a checkout, the compiled `dist/cli/main.js` in an installed package.
 */
const MAIN = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "../main.ts" : "../main.js", import.meta.url))

/**
 * Start `rekindle <argv>` detached (own session, survives this process and the terminal), stderr
 * appended to `logFile`, and resolve with its first stdout line (or none when it exits first).
 */
const spawnDetached = (argv: ReadonlyArray<string>, logFile: string): Effect.Effect<SupervisorStart, EngineError> =>
  Effect.callback<SupervisorStart, EngineError>((resume) => {
    let settled = false
    const settle = (r: Effect.Effect<SupervisorStart, EngineError>) => {
      if (!settled) {
        settled = true
        resume(r)
      }
    }
    let fd: number
    try {
      nodeFs.mkdirSync(nodePath.dirname(logFile), { recursive: true, mode: 0o700 })
      fd = nodeFs.openSync(logFile, "a", 0o600)
    } catch (e) {
      return settle(
        Effect.fail(
          fail("E_IO", `cannot open the supervisor log ${logFile}: ${String(e)}`, "check the .rekindle directory")
        )
      )
    }
    const child = spawn(process.execPath, [MAIN, ...argv], {
      detached: true,
      stdio: ["ignore", "pipe", fd],
      env: process.env
    })
    nodeFs.closeSync(fd)
    let buffered = ""
    const done = (line: string | undefined) => {
      child.stdout?.removeAllListeners("data")
      child.stdout?.destroy()
      child.unref()
      settle(Effect.succeed({ pid: child.pid ?? 0, line }))
    }
    child.stdout?.setEncoding("utf8")
    child.stdout?.on("data", (chunk: string) => {
      buffered += chunk
      const nl = buffered.indexOf("\n")
      if (nl >= 0) done(buffered.slice(0, nl))
    })
    child.once("exit", () => done(buffered === "" ? undefined : buffered))
    child.once("error", (e) =>
      settle(Effect.fail(fail("E_IO", `cannot start a supervisor: ${e.message}`, "is node on PATH?")))
    )
  })

/** The live {@link CliEnv}. */
const cliEnvLayer: Layer.Layer<CliEnv, never, ChildProcessSpawner.ChildProcessSpawner> = Layer.effect(
  CliEnv,
  Effect.gen(function* () {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const withSpawner = <A, E>(e: Effect.Effect<A, E, ChildProcessSpawner.ChildProcessSpawner>) =>
      Effect.provideService(e, ChildProcessSpawner.ChildProcessSpawner, spawner)
    const env: CliEnvShape = {
      cwd: process.cwd(),
      env: process.env,
      stdinIsTTY: process.stdin.isTTY === true,
      stdoutIsTTY: process.stdout.isTTY === true,
      stderrIsTTY: process.stderr.isTTY === true,
      confirm: ask,
      gitToplevel: (dir) =>
        withSpawner(exec("git", ["-C", dir, "rev-parse", "--show-toplevel"], { timeout: "10 seconds" })).pipe(
          Effect.mapError((e) =>
            fail("E_GIT_FAILED", `cannot run git: ${e.message}`, "install git 2.36 or newer (`rekindle doctor`)")
          ),
          Effect.flatMap((r) =>
            r.exitCode === 0
              ? Effect.succeed(r.stdout.trim())
              : Effect.fail(
                  fail(
                    "E_GIT_FAILED",
                    `${dir} is not inside a git repository: ${r.stderr.trim().split("\n")[0] ?? ""}`,
                    "run rekindle inside the repository, or pass --repo <path>"
                  )
                )
          )
        ),
      interactive: (argv) =>
        withSpawner(
          Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* spawner.spawn(
                ChildProcess.make(argv[0] ?? "tmux", argv.slice(1), {
                  stdin: "inherit",
                  stdout: "inherit",
                  stderr: "inherit"
                })
              )
              return Number(yield* handle.exitCode)
            })
          )
        ).pipe(
          Effect.mapError((e) =>
            fail("E_TMUX_UNAVAILABLE", `cannot run ${argv[0]}: ${e.message}`, "is tmux installed? (`rekindle doctor`)")
          )
        ),
      probe: (command, args) =>
        withSpawner(exec(command, args, { timeout: "10 seconds" })).pipe(Effect.orElseSucceed(() => undefined)),
      which: (program) => Effect.sync(() => whichSync(program, process.env["PATH"])),
      spawnSupervisor: (argv, logFile) => spawnDetached(argv, logFile),
      kill: (pid, signal) =>
        Effect.sync(() => {
          try {
            process.kill(pid, signal)
            return true
          } catch {
            return false
          }
        }),
      writeStderr: (text) => Effect.sync(() => void process.stderr.write(text)),
      progressIntervalMs: 250
    }
    return env
  })
)

/**
 * The live {@link EngineLayer}: adapters/node.ts on the requested socket. The layer fails only for
 * an invalid socket name, which the CLI refuses (E_USAGE) before asking for it (cli/shared/Target.ts).
 */
const engineLayer: Layer.Layer<EngineLayer> = Layer.succeed(EngineLayer, {
  forSocket: (socket) => Node.layer(socket === undefined ? {} : { socket }).pipe(Layer.orDie)
})

/** Both live CLI services. */
export const layer: Layer.Layer<CliEnv | EngineLayer, never, ChildProcessSpawner.ChildProcessSpawner> = Layer.mergeAll(
  cliEnvLayer,
  engineLayer
)
