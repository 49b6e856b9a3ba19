/**
 * When a running agent is WAITING: stopped at a screen that blocks its work until someone answers it. Pure: a pane
 * capture, how long the pane has been quiet and what the task records in, a decision out (the live supervisor captures
 * and records it: core/engine/waves/BlockingScreens.ts). rekindle never answers a screen; it says so, once per wait.
 *
 * The rule (docs/agents.md#a-screen-that-blocks-work):
 * - a KNOWN screen of the task's agent kind (core/domain/Screens.ts) blocks work as soon as it is recognised;
 * - an UNRECOGNISED screen blocks work when the capture shows a question only a key answers (a confirmation or a
 *   numbered choice: "Enter to confirm", "Esc to cancel", "(y/n)", "❯ 1.") AND the pane has written nothing for
 *   {@link UNRECOGNISED_QUIET_MS}: an agent that is merely thinking animates its spinner, which the pane log records;
 * - a waiting task stays waiting while the question (or the known screen) is on screen, whatever its output does (no
 *   flapping, so no second notification); it runs again once the capture no longer shows it.
 */
import * as Schema from "effect/Schema"
import { Timestamp } from "./Ids.ts"
import { type FirstRunScreen, recogniseScreen } from "./Screens.ts"

/** What a waiting task records: since when, at which screen (`unrecognised` when none of the table), what it shows. */
export const TaskWaiting = Schema.Struct({
  since: Timestamp,
  /** A screen id of core/domain/Screens.ts, or `unrecognised`. */
  screen: Schema.String,
  /** How it is got past. */
  how: Schema.String,
  /** The captured lines showing it. */
  lines: Schema.Array(Schema.String)
})
/** @see TaskWaiting */
export type TaskWaiting = typeof TaskWaiting.Type

/** Quiet this long with a question on screen, an unrecognised screen is taken to block work. */
export const UNRECOGNISED_QUIET_MS = 20_000

/** The id recorded for a screen that is not in the table. */
const UNRECOGNISED = "unrecognised"

/** Texts of a question only a key answers (whole capture, case-insensitive). */
const QUESTION = [
  /enter to confirm/i,
  /esc to cancel/i,
  /\((y\/n|yes\/no)\)|\[(y\/n)\]/i,
  /press enter to continue/i,
  /^\s*(❯|›|>)\s*1[.)]\s/m
]

/** What the capture shows, without the time it was seen at. */
type Blocking = Omit<TaskWaiting, "since">

/** The screen that blocks work in `lines`, or undefined. `waiting`: the task already waits (the quiet is not needed). */
export const blockingScreen = (input: {
  readonly table: ReadonlyArray<FirstRunScreen>
  readonly agent: string
  readonly lines: ReadonlyArray<string>
  readonly quietMs: number
  readonly waiting: boolean
}): Blocking | undefined => {
  const known = recogniseScreen(input.table, input.agent, input.lines)
  if (known !== undefined) return { screen: known.screen.id, how: known.screen.how, lines: known.lines }
  const text = input.lines.join("\n")
  if (!QUESTION.some((re) => re.test(text))) return undefined
  if (!input.waiting && input.quietMs < UNRECOGNISED_QUIET_MS) return undefined
  const lines = [...input.lines]
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop()
  return {
    screen: UNRECOGNISED,
    how: "not a screen rekindle knows: answer it yourself (rekindle attach <task>)",
    lines
  }
}

/** What becomes of a task's wait after one capture. */
type WaitingChange =
  | { readonly _tag: "Enter"; readonly waiting: TaskWaiting }
  | { readonly _tag: "Leave" }
  | { readonly _tag: "Same" }

/** Enter a wait (once), stay in it, or leave it; `blocking` is what the latest capture shows. */
export const waitingChange = (
  recorded: TaskWaiting | undefined,
  blocking: Blocking | undefined,
  now: number
): WaitingChange => {
  if (recorded === undefined)
    return blocking === undefined ? { _tag: "Same" } : { _tag: "Enter", waiting: { since: now, ...blocking } }
  return blocking === undefined ? { _tag: "Leave" } : { _tag: "Same" }
}
