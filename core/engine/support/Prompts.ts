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
import { decideDelivery, type DeliveryDecision, deliveredInArgv } from "../../domain/Delivery.ts"
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

/** `text` without terminal escape sequences, whitespace and box-drawing characters. */
const squeezed = (text: string): string =>
  text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, "")
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\u001b[@-_]/g, "")
    .replace(/[\s\u2500-\u257f]/gu, "")

/** Whether an argv turn shows in what the pane printed (screen or log), whatever the agent's layout. */
const argvTurnSeen = (printed: string, text: string): boolean => {
  const needle = squeezed(text)
  return needle !== "" && squeezed(printed).includes(needle)
}

/** Bytes of `taskId`'s pane log (the last {@link LOG_WINDOW}), decoded; "" when unreadable. */
const taskLogText = Effect.fn("Prompts.taskLogText")(function* (ctx: Applying, taskId: string) {
  const tail = yield* LogTail
  const path = ctx.paths.log(taskId)
  const size = yield* tail.size(path).pipe(Effect.orElseSucceed(() => 0))
  if (size === 0) return ""
  const chunk = yield* tail.read(path, Math.max(0, size - LOG_WINDOW), LOG_WINDOW).pipe(Effect.option)
  return chunk._tag === "None" ? "" : new TextDecoder().decode(chunk.value.bytes)
})

/** {@link seenInLog} over the last {@link LOG_WINDOW} bytes of `taskId`'s pane log (nothing seen when unreadable). */
const seenInTaskLog = (ctx: Applying, taskId: string, text: string) =>
  Effect.map(taskLogText(ctx, taskId), (log) => (log === "" ? NOT_SEEN : seenInLog(log, text)))

/** The size of `taskId`'s pane log now (0 when there is none yet). */
const taskLogSize = Effect.fn("Prompts.taskLogSize")(function* (ctx: Applying, taskId: string) {
  const tail = yield* LogTail
  return yield* tail.size(ctx.paths.log(taskId)).pipe(Effect.orElseSucceed(() => 0))
})

/**
 * {@link seenInLog} over what `taskId`'s pane printed since `offset` (the log's size when the intent was written),
 * or undefined when the log cannot say (unreadable, or shorter than the offset: replaced meanwhile). Typed is read at
 * the log's end; submitted in the first {@link LOG_WINDOW} bytes after the offset (where the echo of the typing
 * lands) and at the end.
 */
const seenInLogSince = Effect.fn("Prompts.seenInLogSince")(function* (
  ctx: Applying,
  taskId: string,
  text: string,
  offset: number
) {
  const tail = yield* LogTail
  const path = ctx.paths.log(taskId)
  const size = yield* tail.size(path).pipe(Effect.option)
  if (size._tag === "None" || size.value < offset) return undefined
  const read = (start: number) =>
    tail.read(path, start, Math.min(LOG_WINDOW, size.value - start)).pipe(
      Effect.map((chunk) => new TextDecoder().decode(chunk.bytes)),
      Effect.option
    )
  const first = yield* read(offset)
  const last = size.value - offset <= LOG_WINDOW ? first : yield* read(size.value - LOG_WINDOW)
  if (first._tag === "None" || last._tag === "None") return undefined
  const atEnd = seenInLog(last.value, text)
  return {
    seenTyped: atEnd.seenTyped,
    seenSubmitted: atEnd.seenSubmitted || seenInLog(first.value, text).seenSubmitted
  }
})

/**
 * The next step for an open argv turn: seen anywhere the pane printed → confirmed; not seen while its agent
 * lives → wait (the agent got it in its argv and may not have drawn it yet); not seen and the pane gone → lost.
 */
const argvTurnDecision = Effect.fn("Prompts.argvTurnDecision")(function* (
  ctx: Applying,
  taskId: string,
  text: string,
  screen: ReadonlyArray<string>,
  paneAlive: boolean
) {
  const seen = argvTurnSeen(screen.join("\n"), text) || argvTurnSeen(yield* taskLogText(ctx, taskId), text)
  const decision: DeliveryDecision = seen
    ? { _tag: "Confirm", reason: "the agent shows the turn it got in its argv" }
    : paneAlive
      ? { _tag: "Wait", reason: "the agent got the turn in its argv and has not shown it yet" }
      : { _tag: "ReportLost", reason: "the agent's pane is gone and never showed the turn it got in its argv" }
  return decision
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
  // An argv turn (the continuation turn of an exact-conversation relaunch) reached the agent with its launch: it
  // cannot sit typed and unsubmitted, and the agent draws it in its own layout (a box, wrapped, styled).
  const argvTurn = open && entry !== undefined && deliveredInArgv(entry)
  // An intent whose text may never have been typed is judged by what the pane printed SINCE the intent alone: the
  // screen, and the log before it, may show the same text from an earlier message, which is no proof of this one.
  const sinceIntent =
    open && !argvTurn && entry?.status === "intent" && entry.logOffset !== undefined
      ? yield* seenInLogSince(ctx, request.taskId, request.text, entry.logOffset)
      : undefined
  const inLog = sinceIntent ?? (open && !argvTurn ? yield* seenInTaskLog(ctx, request.taskId, request.text) : NOT_SEEN)
  const seen =
    sinceIntent !== undefined
      ? { seenSubmitted: sinceIntent.seenSubmitted, seenTyped: pane !== undefined && sinceIntent.seenTyped }
      : {
          seenSubmitted: onScreen.seenSubmitted || inLog.seenSubmitted,
          seenTyped: onScreen.seenTyped || (pane !== undefined && inLog.seenTyped)
        }
  // A submission the log recorded settles an open entry even when the pane is gone (the agent
  // finished meanwhile): confirming needs no pane, and waiting for one would leave it open for good.
  const decision: DeliveryDecision = argvTurn
    ? yield* argvTurnDecision(ctx, request.taskId, request.text, screen, pane !== undefined)
    : open && pane === undefined && inLog.seenSubmitted
      ? { _tag: "Confirm", reason: "the pane log shows the prompt submitted; the pane is gone" }
      : decideDelivery(entry, { paneAvailable: pane !== undefined, ...seen })
  const now = yield* Clock.currentTimeMillis
  const mark = (status: PromptStatus, logOffset = entry?.logOffset) =>
    ctx.update((s) => {
      const next: PromptEntry = {
        key: request.key,
        taskId: request.taskId,
        text: request.text,
        status,
        at: now,
        ...(entry?.delivery === undefined ? {} : { delivery: entry.delivery }),
        ...(logOffset === undefined ? {} : { logOffset })
      }
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
      yield* mark("intent", yield* taskLogSize(ctx, request.taskId))
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
