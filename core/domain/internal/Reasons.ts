/**
 * The one-line reasons of reconcile's decisions. Every reason is a function of a few closed enums,
 * so each is built once here and shared: at 100k tasks, a template literal per decision is 100k
 * fresh strings for the garbage collector. Internal module (not re-exported).
 */
import type { Evidence } from "../Decision.ts"
import { TaskStatus } from "../State.ts"

type Transcript = Evidence["transcript"]
type Gone = "dead-pane" | "bare-shell"

const TRANSCRIPTS: ReadonlyArray<Transcript> = ["valid", "missing", "none"]
const WORKTREES: ReadonlyArray<Evidence["worktree"]> = ["present", "missing", "corrupt", "archived", "none"]
const GONE: ReadonlyArray<Gone> = ["dead-pane", "bare-shell"]

const resumeHow = (t: Transcript): string =>
  t === "valid"
    ? "resuming its conversation"
    : t === "missing"
      ? "fresh with a handoff prompt (conversation transcript not found)"
      : "fresh with a handoff prompt"

const what = (g: Gone): string => (g === "dead-pane" ? "the pane is dead" : "only a shell is left in the pane")

const table = <K extends string, V>(keys: ReadonlyArray<K>, f: (k: K) => V): Readonly<Record<K, V>> =>
  Object.fromEntries(keys.map((k) => [k, f(k)])) as Record<K, V>

/** Row 1: `[outcome][session still alive]`. */
export const MARKER: Readonly<Record<"succeeded" | "failed", readonly [string, string]>> = table(
  ["succeeded", "failed"],
  (m) => [`done marker reports ${m}`, `done marker reports ${m} (its session is still alive)`] as const
)

/** Row 4, the agent rekindle launched outlived its pane. */
export const GONE_BUT_AGENT: Readonly<Record<Gone, string>> = table(
  GONE,
  (g) =>
    `${what(g)} but the agent process rekindle launched is still alive: stop it or wait for it to exit, then resume (never two agents)`
)

/** Row 4 re-execute: `[session][transcript]`. */
export const GONE_RELAUNCH: Readonly<Record<Gone, Readonly<Record<Transcript, string>>>> = table(GONE, (g) =>
  table(TRANSCRIPTS, (t) => `${what(g)}; stop the stale session and relaunch ${resumeHow(t)}`)
)

/** Row 4 falling to row 8: `[session][worktree]`. */
export const GONE_NOWHERE: Readonly<Record<Gone, Readonly<Record<Evidence["worktree"], string>>>> = table(GONE, (g) =>
  table(WORKTREES, (w) => `${what(g)} and the worktree is ${w}: nothing to relaunch in`)
)

/** Row 5: `[status][session lingers]`. */
export const ALREADY: Readonly<Record<TaskStatus, readonly [string, string]>> = table(
  TaskStatus.literals,
  (s) => [`already ${s}`, `already ${s}; its session lingers (repair can stop it)`] as const
)

/** Row 6: `[transcript]`. */
export const WORKTREE_RELAUNCH: Readonly<Record<Transcript, string>> = table(
  TRANSCRIPTS,
  (t) => `session is gone but the worktree remains; relaunch ${resumeHow(t)}`
)

/** Row 8: `[worktree]`. */
export const GONE_FAILED: Readonly<Record<Evidence["worktree"], string>> = table(
  WORKTREES,
  (w) => `session is gone and ${w === "none" ? "it has no worktree" : `its worktree is ${w}`}`
)

/** Row 4 mark-failed: the agent exited on its own without an accepted done marker. */
export const exitedReason = (status: number): string => `the agent exited with status ${status} without a done marker`
