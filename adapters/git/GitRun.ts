/**
 * How the real Worktrees adapter runs git: always `git -C <dir> …` through {@link exec} (argv only),
 * a C locale so the messages it maps are stable, no terminal prompt, and one place that turns exit
 * codes and stderr into {@link GitError} reasons.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Context from "effect/Context"
import type { ChildProcessSpawner } from "effect/process"
import { GitError, type GitErrorReason } from "../../core/ports/Worktrees.ts"
import { exec, type ExecResult } from "../exec/Exec.ts"

/** Options of the real adapter. */
export interface GitOptions {
  /** Extra environment for every git call (tests: `GIT_CONFIG_NOSYSTEM`, identity, …). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Per-call timeout (default: Exec's). */
  readonly timeout?: Duration.Input
}

/** Extra per-call settings. */
export interface GitCall {
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly stdin?: Uint8Array
}

/**
 * Every git call: C locale (stderr is mapped by message), no prompts, and none of the variables a
 * git hook would have set (rekindle may run inside one), which would point git at another repo or index.
 */
const BASE_ENV: Readonly<Record<string, string | undefined>> = {
  LC_ALL: "C",
  LANGUAGE: undefined,
  GIT_TERMINAL_PROMPT: "0",
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
  GIT_COMMON_DIR: undefined,
  GIT_PREFIX: undefined,
  GIT_NAMESPACE: undefined,
  GIT_OBJECT_DIRECTORY: undefined,
  GIT_ALTERNATE_OBJECT_DIRECTORIES: undefined
}

/** Runs `git -C dir args…`; the result is returned whatever the exit code. */
export type Git = (dir: string, args: ReadonlyArray<string>, call?: GitCall) => Effect.Effect<ExecResult, GitError>

/** Build a {@link Git} bound to a spawner, so adapter methods need nothing in their context. */
export const makeGit =
  (context: Context.Context<ChildProcessSpawner.ChildProcessSpawner>, options: GitOptions = {}): Git =>
  (dir, args, call = {}) => {
    // No argv element can carry a NUL: refuse here rather than let the spawn throw.
    if ([dir, ...args].some((a) => a.includes("\0"))) {
      return refuse("InvalidName", `a path or argument for git ${args[0] ?? ""} contains a NUL byte`)
    }
    return exec("git", ["-C", dir, ...args], {
      env: { ...BASE_ENV, ...options.env, ...call.env },
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(call.stdin === undefined ? {} : { stdin: call.stdin })
    }).pipe(
      Effect.provideContext(context),
      Effect.mapError(
        (e) =>
          new GitError({
            reason: e.reason === "Timeout" ? "Timeout" : "Failed",
            message: `git ${args[0] ?? ""}: ${e.message}`
          })
      )
    )
  }

const INDEX_LOCK = /Unable to create '([^']*\.lock)': File exists/

/**
 * The reason a failed git call maps to: a held lock file is `Locked` (message names the file), a
 * missing or non-repository directory is `NotARepo`; anything else gets `fallback`.
 */
export const failure = (args: ReadonlyArray<string>, r: ExecResult, fallback: GitErrorReason = "Failed"): GitError => {
  const stderr = r.stderr.trim()
  const lock = INDEX_LOCK.exec(stderr)
  if (lock !== null) {
    return new GitError({
      reason: "Locked",
      message: `${lock[1]} exists: another git is running there, or one crashed (remove the file if not)`
    })
  }
  if (/not a git repository|cannot change to/.test(stderr)) {
    return new GitError({ reason: "NotARepo", message: firstLine(stderr) })
  }
  return new GitError({
    reason: fallback,
    message: `git ${args.join(" ")} exited ${r.exitCode}: ${firstLine(stderr) || firstLine(r.stdout)}`
  })
}

const firstLine = (s: string): string =>
  s
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim() ?? ""

/** Run git and fail unless it exits 0; returns stdout. */
export const gitOk = (git: Git, dir: string, args: ReadonlyArray<string>, call?: GitCall, fallback?: GitErrorReason) =>
  Effect.flatMap(git(dir, args, call), (r) =>
    r.exitCode === 0 ? Effect.succeed(r.stdout) : Effect.fail(failure(args, r, fallback))
  )

/** Fail with `reason` (a helper that keeps call sites one line long). */
export const refuse = (
  reason: GitErrorReason,
  message: string,
  paths?: ReadonlyArray<string>
): Effect.Effect<never, GitError> =>
  Effect.fail(new GitError({ reason, message, ...(paths === undefined ? {} : { paths }) }))
