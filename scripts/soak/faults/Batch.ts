/**
 * The batch every real fault case starts from, and the user's next step after a fault. Three tasks
 * on real tmux + git with the bundled fake agent: `a` (fast) and `b` (slow enough to be caught
 * running) in wave 1, `c` after `b` in wave 2. An uninterrupted run merges README.md, a.txt, b.txt
 * and c.txt into main.
 */
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { resume, type ResumeOptions } from "../../../core/engine/usecases/Resume.ts"
import type { TmuxError } from "../../../core/ports/Tmux.ts"
import type { LiveServices } from "../../../adapters/node.ts"
import { fast, type E2E } from "../../../test/support/real/e2e.ts"
import { pollUntil } from "../../../test/support/real/poll.ts"

/** Files on main after an uninterrupted run of {@link writeBatch}. */
export const CLEAN_NAMES: ReadonlyArray<string> = ["README.md", "a.txt", "b.txt", "c.txt"]

/** Write the manifest (extra options merged in); `slowB: false` makes `b` as quick as the others. */
export const writeBatch = (e: E2E, options: Record<string, unknown> = {}, slowB = true): string =>
  e.manifest(
    [
      e.task("a", "build a [steps:1]"),
      e.task("b", slowB ? "build b slowly [steps:8] [sleep:0.25]" : "build b [steps:1]"),
      e.task("c", "build c [steps:1]", ["b"])
    ],
    { maxLanes: 2, ...options }
  )

/**
 * Wait until `a` succeeded and `b` runs with its agent started (the moment every b-fault strikes: only
 * b is interrupted, so only b may run twice). `batch`, when given, fails the wait once it ended.
 */
export const whenAThenB = (e: E2E, batch?: Watched<unknown>): Promise<true> =>
  pollUntil(
    "a succeeded while b runs",
    () => {
      if (batch?.settled() === true) throw new Error("the batch ended before b was caught running")
      return e.status("a") === "succeeded" && e.status("b") === "running" && e.runs().some((r) => r.task === "b")
        ? true
        : undefined
    },
    60_000
  )

/** The stable error code in a failed Exit (or its JSON when there is none). */
export const codeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  const text = JSON.stringify(exit)
  return /E_[A-Z_]+/.exec(text)?.[0] ?? text.slice(0, 200)
}

/** What `rekindle resume` did: its outcome (or error code) and the phase after it. */
export interface Resumed {
  readonly ok: boolean
  /** `resume_create`, `resume_attach`, … or the error code. */
  readonly said: string
  readonly phase: string
  readonly message: string
}

/** Resume in this process (live layer on the E2E's socket, fast polls). Never throws. */
export const resumeNow = async (e: E2E, options: ResumeOptions = {}): Promise<Resumed> => {
  const exit = await runExit(e, resume(e.ref, options))
  if (Exit.isSuccess(exit))
    return { ok: true, said: exit.value.outcome, phase: exit.value.state.phase, message: exit.value.message }
  return {
    ok: false,
    said: codeOf(exit),
    phase: e.state()?.phase ?? "unknown",
    message: JSON.stringify(exit).slice(0, 300)
  }
}

/** The user's next step after a fault: resume once unless the batch already completed. */
export const resumeUnlessDone = async (e: E2E): Promise<Resumed | undefined> =>
  e.state()?.phase === "completed" ? undefined : await resumeNow(e)

/** Sorted equality of two name lists. */
export const sameNames = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort())

/** Run an engine effect in the E2E's runtime and return its Exit (fast polls). */
export const runExit = <A, E>(
  e: E2E,
  effect: Effect.Effect<A, E, LiveServices>
): Promise<Exit.Exit<A, E | TmuxError>> => e.runtime.runPromiseExit(effect.pipe(fast))

/** A promise watched from outside: whether it settled, and its failure (never an unhandled rejection). */
export interface Watched<A> {
  readonly settled: () => boolean
  readonly result: Promise<{ readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown }>
}

/** Watch `p` (a batch running in this process) while a fault is injected beside it. */
export const watch = <A>(p: Promise<A>): Watched<A> => {
  let done = false
  const result = p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )
  void result.then(() => (done = true))
  return { settled: () => done, result }
}

/** {@link whenAThenB} while a batch runs in this process. */
export const whenAThenBWhile = (e: E2E, batch: Watched<unknown>): Promise<true> => whenAThenB(e, batch)
