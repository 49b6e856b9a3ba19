/**
 * At-most-once prompt delivery (nudges, answers, follow-ups). A ledger entry keyed for idempotency is
 * persisted as `intent` BEFORE the text is typed, `sent` after; it is `confirmed` once the text shows
 * in the pane. After a crash an unconfirmed entry is checked against the live pane first: text that
 * arrived is confirmed, text typed but not submitted gets one Enter, text marked sent but nowhere to
 * be seen is reported lost — never typed again. A confirmed entry is never re-sent.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { decideDelivery } from "../domain/Delivery.ts"
import { ownershipTag } from "../domain/Naming.ts"
import type { PromptEntry, PromptStatus } from "../domain/State.ts"
import { Tmux } from "../ports/Tmux.ts"
import type { Applying } from "./Applying.ts"
import { crashPoint } from "./CrashPoints.ts"
import { fail } from "./Errors.ts"

/** Lines of the pane inspected to find a prompt. */
const CAPTURE_LINES = 200

/** What the pane shows of `text`: submitted (a line above the input line), or typed on the input line. */
export const seenInPane = (screen: ReadonlyArray<string>, text: string) => {
  const needle = text.split(/\r?\n/).filter((l) => l.trim() !== "").at(-1)?.trim() ?? text.trim()
  const lines = [...screen]
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop()
  const last = lines.at(-1) ?? ""
  return {
    seenTyped: last.trimEnd().endsWith(needle),
    seenSubmitted: lines.slice(0, -1).some((l) => l.includes(needle))
  }
}

/** Deliver (or re-check) prompt `key` to `taskId`'s live pane. Returns the entry's resulting status. */
export const deliverPrompt = Effect.fn("Prompts.deliver")(function*(ctx: Applying, request: { readonly taskId: string; readonly key: string; readonly text: string }) {
  const tmux = yield* Tmux
  const state = yield* ctx.current
  const entry = state.prompts.find((p) => p.key === request.key)
  const snap = yield* tmux.snapshot
  const pane = snap.state === "up" ? snap.panes.find((p) => p.taskTag === ownershipTag(state.batchId, request.taskId) && !p.dead) : undefined
  const screen = pane === undefined ? [] : yield* tmux.capture({ paneId: pane.paneId }, CAPTURE_LINES).pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<string>))
  const seen = seenInPane(screen, request.text)
  const decision = decideDelivery(entry, { paneAvailable: pane !== undefined, ...seen })
  const now = yield* Clock.currentTimeMillis
  const mark = (status: PromptStatus) =>
    ctx.update((s) => {
      const next: PromptEntry = { key: request.key, taskId: request.taskId, text: request.text, status, at: now }
      return { ...s, prompts: s.prompts.some((p) => p.key === request.key) ? s.prompts.map((p) => (p.key === request.key ? next : p)) : [...s.prompts, next] }
    })
  const tmuxFailed = (e: { readonly message: string }) => fail("E_TMUX_UNAVAILABLE", `cannot type into ${request.taskId}'s pane: ${e.message}`, "check tmux with `rekindle doctor`")
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
export const recheckPrompts = Effect.fn("Prompts.recheck")(function*(ctx: Applying) {
  const open = (yield* ctx.current).prompts.filter((p) => p.status === "intent" || p.status === "sent")
  for (const p of open) yield* deliverPrompt(ctx, { taskId: p.taskId, key: p.key, text: p.text })
})
