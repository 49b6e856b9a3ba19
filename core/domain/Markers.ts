/**
 * Done markers: the file an agent writes when it is finished. Empty or plain text means success (the
 * text is the summary); a JSON object may carry `status` ("succeeded" | "failed") and `summary`.
 * Anything else is an invalid marker — reported, never accepted.
 */
import type { DoneMarker } from "./Signals.ts"

const MAX_SUMMARY = 500

/** Read a marker's content. Total: never throws. */
export const parseMarker = (content: string): DoneMarker => {
  const text = content.trim()
  if (text === "") return { valid: true, status: "succeeded" }
  if (!text.startsWith("{")) return { valid: true, status: "succeeded", summary: text.slice(0, MAX_SUMMARY) }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { valid: false }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { valid: false }
  const record = parsed as Record<string, unknown>
  const status = record["status"] ?? "succeeded"
  const summary = record["summary"]
  if (status !== "succeeded" && status !== "failed") return { valid: false }
  if (summary !== undefined && typeof summary !== "string") return { valid: false }
  return { valid: true, status, ...(summary === undefined ? {} : { summary: summary.slice(0, MAX_SUMMARY) }) }
}
