/**
 * The one way rekindle's real adapters run a program: an argv array (never a shell string), a timeout
 * on every call, both pipes drained, and the exit code returned rather than thrown — each adapter maps
 * exit codes and stderr to its own port's `reason` values.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ChildProcess, ChildProcessSpawner } from "effect/process"

/** What a finished program left behind. */
export interface ExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Options for {@link exec}. */
interface ExecOptions {
  readonly cwd?: string
  /** Added to (never replacing) the inherited environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly timeout?: Duration.Input
  /** Bytes written to the program's stdin (closed afterwards); stdin is ignored otherwise. */
  readonly stdin?: Uint8Array
}

/** The program could not be run to completion: not found, timed out, or the spawn itself failed. */
class ExecError extends Data.TaggedError("ExecError")<{
  readonly reason: "NotFound" | "Timeout" | "Spawn"
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly message: string
}> {}

/** Default per-call timeout: generous for git on big repos, short enough that a hung tmux is noticed. */
const DEFAULT_TIMEOUT: Duration.Input = "30 seconds"

/**
 * Run `command args…` and collect its output. Never fails on a non-zero exit (callers decide);
 * fails with {@link ExecError} when the program is missing, hangs past the timeout, or cannot spawn.
 * Interruption kills the child.
 */
export const exec = Effect.fn("Exec.exec")(function* (
  command: string,
  args: ReadonlyArray<string>,
  options: ExecOptions = {}
) {
  const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
  const stdin = options.stdin
  const cmd = ChildProcess.make(command, [...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: { ...options.env }, extendEnv: true }),
    stdin: stdin === undefined ? "ignore" : Stream.make(stdin)
  })
  const run = Effect.scoped(
    Effect.gen(function* () {
      const handle = yield* spawner.spawn(cmd)
      const [stdout, stderr, exitCode] = yield* Effect.all(
        [
          Stream.mkString(Stream.decodeText(handle.stdout)),
          Stream.mkString(Stream.decodeText(handle.stderr)),
          handle.exitCode
        ],
        { concurrency: "unbounded" }
      )
      return { exitCode: Number(exitCode), stdout, stderr } satisfies ExecResult
    })
  )
  return yield* run.pipe(
    Effect.timeoutOrElse({
      duration: options.timeout ?? DEFAULT_TIMEOUT,
      orElse: () =>
        Effect.fail(
          new ExecError({
            reason: "Timeout",
            command,
            args,
            message: `${command} did not finish within ${Duration.format(Duration.fromInputUnsafe(options.timeout ?? DEFAULT_TIMEOUT))}`
          })
        )
    }),
    Effect.catchTag("PlatformError", (e) =>
      Effect.fail(
        new ExecError({
          reason: e.reason._tag === "NotFound" ? "NotFound" : "Spawn",
          command,
          args,
          message: e.message
        })
      )
    )
  )
})
