import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { decideDelivery, DeliveryDecision, type DeliveryObservation } from "../../core/domain/Delivery.ts"
import type { PromptEntry, PromptStatus } from "../../core/domain/State.ts"

const entry = (status: PromptStatus): PromptEntry => ({ key: "nudge-1", taskId: "t1", text: "continue", status, at: 1 })
const obs = (paneAvailable: boolean, seenSubmitted = false, seenTyped = false): DeliveryObservation => ({
  paneAvailable,
  seenSubmitted,
  seenTyped
})
const tagOf = (e: PromptEntry | undefined, o: DeliveryObservation) => decideDelivery(e, o)._tag

describe("decideDelivery: one example per row", () => {
  it("no entry → Send when the pane is available, Wait otherwise", () => {
    expect(tagOf(undefined, obs(true))).toBe("Send")
    expect(tagOf(undefined, obs(true, true, true))).toBe("Send")
    expect(tagOf(undefined, obs(false))).toBe("Wait")
  })

  it("intent → Confirm / Submit / Send by what the pane shows", () => {
    expect(tagOf(entry("intent"), obs(true, true, false))).toBe("Confirm")
    expect(tagOf(entry("intent"), obs(true, true, true))).toBe("Confirm")
    expect(tagOf(entry("intent"), obs(true, false, true))).toBe("Submit")
    expect(tagOf(entry("intent"), obs(true, false, false))).toBe("Send")
  })

  it("sent → Confirm / Submit / ReportLost, never Send", () => {
    expect(tagOf(entry("sent"), obs(true, true, false))).toBe("Confirm")
    expect(tagOf(entry("sent"), obs(true, false, true))).toBe("Submit")
    expect(tagOf(entry("sent"), obs(true, false, false))).toBe("ReportLost")
  })

  it("confirmed and lost → Skip, even when the pane is unavailable", () => {
    for (const status of ["confirmed", "lost"] as const) {
      expect(tagOf(entry(status), obs(true, false, false))).toBe("Skip")
      expect(tagOf(entry(status), obs(true, true, true))).toBe("Skip")
      expect(tagOf(entry(status), obs(false))).toBe("Skip")
    }
  })

  it("pane unavailable → Wait for intent and sent", () => {
    expect(tagOf(entry("intent"), obs(false, true, true))).toBe("Wait")
    expect(tagOf(entry("sent"), obs(false))).toBe("Wait")
  })

  it("every decision is a valid DeliveryDecision with a one-line reason", () => {
    const entries = [undefined, ...(["intent", "sent", "confirmed", "lost"] as const).map(entry)]
    for (const e of entries) {
      for (const o of [obs(false), obs(true), obs(true, true), obs(true, false, true)]) {
        const d = decideDelivery(e, o)
        expect(Schema.is(DeliveryDecision)(d)).toBe(true)
        expect(d.reason).not.toMatch(/\n/)
        expect(d.reason.length).toBeGreaterThan(0)
      }
    }
  })
})

describe("decideDelivery: simulated delivery loop", () => {
  // The world: a pane that can vanish and come back (its input box and history survive: the same tmux
  // pane), a ledger that survives crashes, and an engine that follows the protocol step by step and
  // may crash between any two steps. Observations of a live pane are truthful (see the module's
  // assumption); an unavailable pane shows nothing.
  type Step = "persist-intent" | "type" | "enter" | "persist-sent" | "persist-confirmed" | "persist-lost"
  const event = fc.oneof(
    { weight: 5, arbitrary: fc.constant("tick" as const) },
    { weight: 2, arbitrary: fc.constant("crash" as const) },
    { weight: 1, arbitrary: fc.constant("pane-down" as const) },
    { weight: 2, arbitrary: fc.constant("pane-up" as const) }
  )

  it("property: for any crashes and pane outages, a key is typed at most once and submitted at most once", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 80 }), fc.boolean(), (events, enterMayFail) => {
        let ledger: PromptStatus | undefined
        let paneUp = true
        let typedInBox = false
        let typedCount = 0
        let submittedCount = 0
        let queue: Array<Step> = [] // the engine's in-flight steps; lost on crash
        let enterFailures = enterMayFail ? 1 : 0 // an agent busy once swallows an Enter
        const run = (step: Step) => {
          switch (step) {
            case "persist-intent":
              return void (ledger = "intent")
            case "persist-sent":
              return void (ledger = "sent")
            case "persist-confirmed":
              return void (ledger = "confirmed")
            case "persist-lost":
              return void (ledger = "lost")
            case "type":
              if (!paneUp) return void (queue = []) // the send failed; the engine decides again later
              typedInBox = true
              typedCount++
              return
            case "enter":
              if (!paneUp) return void (queue = [])
              if (enterFailures > 0) return void enterFailures--
              if (typedInBox) {
                typedInBox = false
                submittedCount++
              }
              return
          }
        }
        const decide = () => {
          const current = ledger === undefined ? undefined : entry(ledger)
          // A pane that is down cannot be read: nothing is seen, which must not be taken for "not there".
          const d = decideDelivery(current, {
            paneAvailable: paneUp,
            seenSubmitted: paneUp && submittedCount > 0,
            seenTyped: paneUp && typedInBox
          })
          switch (d._tag) {
            case "Send":
              queue =
                ledger === undefined
                  ? ["persist-intent", "type", "enter", "persist-sent"]
                  : ["type", "enter", "persist-sent"]
              break
            case "Submit":
              queue = ["enter", "persist-sent"]
              break
            case "Confirm":
              queue = ["persist-confirmed"]
              break
            case "ReportLost":
              queue = ["persist-lost"]
              break
            case "Skip":
            case "Wait":
              break
          }
        }
        const tick = () => {
          const next = queue.shift()
          if (next === undefined) decide()
          else run(next)
        }
        for (const e of events) {
          if (e === "tick") tick()
          else if (e === "crash") queue = []
          else paneUp = e === "pane-up"
        }
        expect(typedCount).toBeLessThanOrEqual(1)
        expect(submittedCount).toBeLessThanOrEqual(1)
        // Liveness: once things calm down (pane up, no crashes) the prompt is delivered and confirmed.
        paneUp = true
        for (let i = 0; i < 20; i++) tick()
        expect(typedCount).toBe(1)
        expect(submittedCount).toBe(1)
        expect(ledger).toBe("confirmed")
      }),
      { numRuns: 1000 }
    )
  })
})
