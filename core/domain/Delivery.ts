/**
 * At-most-once prompt delivery (DESIGN §5.3): given the prompt ledger entry for a key and what the pane
 * shows, decide the one safe next step.
 *
 * The ledger protocol the engine follows: write `intent` → type the text → press Enter → write `sent`
 * → on seeing it submitted write `confirmed`. A crash can stop it between any two steps, so on resume
 * the ledger alone cannot say whether the text reached the pane; the pane observation settles it.
 * Once `sent` is recorded, the text is never typed again: if it cannot be seen, it is reported lost.
 *
 * Assumption the caller must honour: `seenTyped`/`seenSubmitted` are searched in everything the pane
 * printed since the entry was written (its log), not only the visible screen — a submission scrolled
 * off screen but treated as unseen would, for an `intent` entry, be typed a second time.
 */
import * as Schema from "effect/Schema"
import type { PromptEntry } from "./State.ts"

/**
 * Whether `entry` reached its agent in the launch argv rather than typed into the pane. State files written
 * before the `delivery` field existed (0.2 development builds) tell an argv turn only by its key,
 * `continue:<task>:<attempt>`; that shape is honoured for entries without the field.
 */
export const deliveredInArgv = (entry: PromptEntry): boolean =>
  entry.delivery === "argv" ||
  (entry.delivery === undefined &&
    entry.key.startsWith(`continue:${entry.taskId}:`) &&
    /^\d+$/.test(entry.key.slice(`continue:${entry.taskId}:`.length)))

/** What the pane shows for one prompt key. */
export const DeliveryObservation = Schema.Struct({
  /** The task's pane exists and accepts input (tmux up, session alive, pane not dead). */
  paneAvailable: Schema.Boolean,
  /** The prompt text was submitted (it appears as the agent's input, followed by the agent's turn). */
  seenSubmitted: Schema.Boolean,
  /** The prompt text sits in the input box, typed but not submitted. */
  seenTyped: Schema.Boolean
})
/** @see DeliveryObservation */
export type DeliveryObservation = typeof DeliveryObservation.Type

/** Type the text and submit it (write `intent` first when there is no entry yet). */
export const DeliverySend = Schema.TaggedStruct("Send", { reason: Schema.String })
/** The text is typed but not submitted: press Enter once (never retype). */
export const DeliverySubmit = Schema.TaggedStruct("Submit", { reason: Schema.String })
/** The submission is visible: mark the entry `confirmed`. */
export const DeliveryConfirm = Schema.TaggedStruct("Confirm", { reason: Schema.String })
/** Nothing to do: already confirmed, or already reported lost. */
export const DeliverySkip = Schema.TaggedStruct("Skip", { reason: Schema.String })
/** Recorded as sent but not visible: mark `lost` and report it; never send again. */
export const DeliveryReportLost = Schema.TaggedStruct("ReportLost", { reason: Schema.String })
/** The pane is unavailable: do nothing now, decide again on the next observation. */
export const DeliveryWait = Schema.TaggedStruct("Wait", { reason: Schema.String })

/** The one next step for a prompt key. */
export const DeliveryDecision = Schema.Union([
  DeliverySend,
  DeliverySubmit,
  DeliveryConfirm,
  DeliverySkip,
  DeliveryReportLost,
  DeliveryWait
])
/** @see DeliveryDecision */
export type DeliveryDecision = typeof DeliveryDecision.Type

/**
 * Decide the next delivery step for one prompt key.
 *
 * | ledger    | pane unavailable | submitted | typed  | neither    |
 * |-----------|------------------|-----------|--------|------------|
 * | none      | Wait             | Send      | Send   | Send       |
 * | intent    | Wait             | Confirm   | Submit | Send       |
 * | sent      | Wait             | Confirm   | Submit | ReportLost |
 * | confirmed | Skip             | Skip      | Skip   | Skip       |
 * | lost      | Skip             | Skip      | Skip   | Skip       |
 *
 * With no entry the observation is ignored: the intent is always written before typing, so no entry
 * means this key was never typed, whatever similar text the pane shows.
 */
export const decideDelivery = (entry: PromptEntry | undefined, observed: DeliveryObservation): DeliveryDecision => {
  // Settled entries first: they need no pane, and must never be re-sent when the pane comes back.
  if (entry?.status === "confirmed") {
    return { _tag: "Skip", reason: `prompt ${entry.key} was already confirmed` }
  }
  if (entry?.status === "lost") {
    return { _tag: "Skip", reason: `prompt ${entry.key} was already reported lost; it is never resent` }
  }
  if (!observed.paneAvailable) {
    return { _tag: "Wait", reason: "the pane is unavailable; decide again when it can be observed" }
  }
  if (entry === undefined) {
    return { _tag: "Send", reason: "no delivery recorded for this prompt yet" }
  }
  if (observed.seenSubmitted) {
    return { _tag: "Confirm", reason: `prompt ${entry.key} is visible as submitted` }
  }
  if (observed.seenTyped) {
    return { _tag: "Submit", reason: `prompt ${entry.key} is typed but not submitted; press Enter once` }
  }
  return entry.status === "intent"
    ? { _tag: "Send", reason: `prompt ${entry.key} was intended but never reached the pane` }
    : { _tag: "ReportLost", reason: `prompt ${entry.key} was sent but is not visible; reported, never resent` }
}
