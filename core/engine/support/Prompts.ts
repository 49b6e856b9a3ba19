/**
 * At-most-once prompt delivery (nudges, answers, follow-ups). A ledger entry keyed for idempotency is
 * persisted as `intent` BEFORE the text is typed, `sent` after; it is `confirmed` once the text shows
 * in the pane. After a crash an unconfirmed entry is checked against the live pane AND the task's pane
 * log (everything the pane printed, so a submission long scrolled off the screen still counts, and
 * one made just before the agent finished settles the entry although the pane is gone): text that
 * arrived is confirmed, text typed but not submitted gets one Enter, text marked sent but nowhere to
 * be seen is reported lost — never typed again. A confirmed entry is never re-sent.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { decideDelivery, type DeliveryDecision } from "../../domain/Delivery.ts"
import { ownershipTag } from "../../domain/Naming.ts"
import type { PromptEntry, PromptStatus } from "../../domain/State.ts"
import { LogTail } from "../../ports/LogTail.ts"
import { Tmux } from "../../ports/Tmux.ts"
import type { Applying } from "../apply/PlanContext.ts"
import { crashPoint } from "../apply/CrashPoints.ts"
import { fail } from "./Errors.ts"

/** Lines of the pane inspected to find a prompt. */
const CAPTURE_LINES = 200
/** Bytes at the end of the pane log searched for a prompt (a screen is ~200 lines; this is thousands). */
const LOG_WINDOW = 1 << 20

/** The line of `text` that identifies it on screen: its last non-blank line. */
const needleOf = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .at(-1)
    ?.trim() ?? text.trim()

/** What the pane shows of `text`: submitted (a line above the input line), or typed on the input line. */
export const seenInPane = (screen: ReadonlyArray<string>, text: string) => {
  const needle = needleOf(text)
  const lines = [...screen]
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop()
  const last = lines.at(-1) ?? ""
  return {
    seenTyped: last.trimEnd().endsWith(needle),
    seenSubmitted: lines.slice(0, -1).some((l) => l.includes(needle))
  }
}

/**
 * What the pane log (raw bytes the pane printed, decoded) shows of `text`. Unlike a capture, the log
 * tells submitted from typed exactly: the terminal echoes a submitted line with its newline, so a
 * complete line containing the text was submitted, and an unterminated tail ending with it is typed.
 */
export const seenInLog = (log: string, text: string) => {
  const needle = needleOf(text)
  const cut = log.lastIndexOf("\n")
  return {
    seenTyped: log
      .slice(cut + 1)
      .replaceAll("\r", "")
      .trimEnd()
      .endsWith(needle),
    seenSubmitted: log
      .slice(0, cut + 1)
      .split("\n")
      .some((l) => l.includes(needle))
  }
}

const NOT_SEEN = { seenTyped: false, seenSubmitted: false } as const

/** {@link seenInLog} over the last {@link LOG_WINDOW} bytes of `taskId`'s pane log (nothing seen when unreadable). */
const seenInTaskLog = Effect.fn("Prompts.seenInTaskLog")(function* (ctx: Applying, taskId: string, text: string) {
  const tail = yield* LogTail
  const path = ctx.paths.log(taskId)
  const size = yield* tail.size(path).pipe(Effect.orElseSucceed(() => 0))
  if (size === 0) return NOT_SEEN
  const chunk = yield* tail.read(path, Math.max(0, size - LOG_WINDOW), LOG_WINDOW).pipe(Effect.option)
  return chunk._tag === "None" ? NOT_SEEN : seenInLog(new TextDecoder().decode(chunk.value.bytes), text)
})

/** Deliver (or re-check) prompt `key` to `taskId`'s live pane. Returns the entry's resulting status. */
export const deliverPrompt = Effect.fn("Prompts.deliver")(function* (
  ctx: Applying,
  request: { readonly taskId: string; readonly key: string; readonly text: string }
) {
  const tmux = yield* Tmux
  const state = yield* ctx.current
  const entry = state.prompts.find((p) => p.key === request.key)
  const snap = yield* tmux.snapshot
  const pane =
    snap.state === "up"
      ? snap.panes.find((p) => p.taskTag === ownershipTag(state.batchId, request.taskId) && !p.dead)
      : undefined
  const screen =
    pane === undefined
      ? []
      : yield* tmux
          .capture({ paneId: pane.paneId }, CAPTURE_LINES)
          .pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<string>))
  const onScreen = seenInPane(screen, request.text)
  // Only an open entry is judged by what arrived; the log is read for those alone.
  const open = entry?.status === "intent" || entry?.status === "sent"
  const inLog = open ? yield* seenInTaskLog(ctx, request.taskId, request.text) : NOT_SEEN
  const seen = {
    seenSubmitted: onScreen.seenSubmitted || inLog.seenSubmitted,
    seenTyped: onScreen.seenTyped || (pane !== undefined && inLog.seenTyped)
  }
  // A submission the log recorded settles an open entry even when the pane is gone (the agent
  // finished meanwhile): confirming needs no pane, and waiting for one would leave it open for good.
  const decision: DeliveryDecision =
    open && pane === undefined && inLog.seenSubmitted
      ? { _tag: "Confirm", reason: "the pane log shows the prompt submitted; the pane is gone" }
      : decideDelivery(entry, { paneAvailable: pane !== undefined, ...seen })
  const now = yield* Clock.currentTimeMillis
  const mark = (status: PromptStatus) =>
    ctx.update((s) => {
      const next: PromptEntry = { key: request.key, taskId: request.taskId, text: request.text, status, at: now }
      return {
        ...s,
        prompts: s.prompts.some((p) => p.key === request.key)
          ? s.prompts.map((p) => (p.key === request.key ? next : p))
          : [...s.prompts, next]
      }
    })
  const tmuxFailed = (e: { readonly message: string }) =>
    fail(
      "E_TMUX_UNAVAILABLE",
      `cannot type into ${request.taskId}'s pane: ${e.message}`,
      "check tmux with `rekindle doctor`"
    )
  switch (decision._tag) {
    case "Send":
      yield* mark("intent")
      yield* crashPoint("prompt:after-intent")
      yield* tmux.sendText({ paneId: pane!.paneId }, request.text).pipe(Effect.mapError(tmuxFailed))
      yield* crashPoint("prompt:after-send")
      yield* mark("sent")
      return "sent" as const
    case "Submit":
      // The text is on the input line: one Enter delivers it, and the entry is settled for good. A
      // capture cannot always tell "typed" from "submitted with nothing printed since" (tmux drops the
      // blank cursor row), so in that one crash window this may add one empty Enter — never the text.
      yield* tmux.sendKeys({ paneId: pane!.paneId }, ["Enter"]).pipe(Effect.mapError(tmuxFailed))
      yield* mark("confirmed")
      return "confirmed" as const
    case "Confirm":
      yield* mark("confirmed")
      return "confirmed" as const
    case "ReportLost":
      yield* mark("lost")
      return "lost" as const
    case "Skip":
    case "Wait":
      return entry?.status ?? "waiting"
  }
})

/** Re-check every unconfirmed entry (after a restart): confirm, submit once, or report lost. */
export const recheckPrompts = Effect.fn("Prompts.recheck")(function* (ctx: Applying) {
  const open = (yield* ctx.current).prompts.filter((p) => p.status === "intent" || p.status === "sent")
  for (const p of open) yield* deliverPrompt(ctx, { taskId: p.taskId, key: p.key, text: p.text })
})
