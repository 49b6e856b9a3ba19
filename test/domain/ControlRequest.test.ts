import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  ControlRequest,
  ControlAction,
  decideRequest,
  launchingPaused,
  openRequests,
  RequestStatus
} from "../../core/domain/ControlRequest.ts"
import * as Schema from "effect/Schema"
import { state, task } from "../support/builders.ts"

const request = (overrides: Partial<ControlRequest>): ControlRequest => ({
  id: "00000000000001-aaaaaa",
  action: "pause",
  requestedAt: 1,
  status: "pending",
  ...overrides
})

describe("decideRequest", () => {
  it("a finished request is never carried out again", () => {
    for (const status of ["done", "failed"] as const)
      expect(decideRequest(request({ action: "abort", status }), state([task("a")]))._tag).toBe("Ignore")
  })

  it("abort of a stopped batch completes without acting (the abort landed before a crash)", () => {
    expect(
      decideRequest(request({ action: "abort", status: "accepted" }), state([task("a")], { phase: "stopped" }))
    ).toEqual({
      _tag: "Complete",
      outcome: "batch b1 is stopped"
    })
  })

  it("restart: a higher attempt count than at acceptance means the relaunch landed", () => {
    const r = request({ action: "restart", taskId: "a", status: "accepted", attemptsAtAccept: 1 })
    expect(decideRequest(r, state([task("a", { attempts: 2 })]))._tag).toBe("Complete")
    expect(decideRequest(r, state([task("a", { attempts: 1 })]))._tag).toBe("Execute")
  })

  it("restart of a task outside the running wave is refused with the wave named", () => {
    const s = state([task("a"), task("b")], { waves: [["a"], ["b"]] })
    const r = request({ action: "restart", taskId: "b" })
    expect(decideRequest(r, s, 0)).toEqual({
      _tag: "Reject",
      outcome: "task b is in wave 2, which has not started yet"
    })
    expect(decideRequest(request({ action: "restart", taskId: "a" }), s, 1)._tag).toBe("Reject")
  })

  it("send: the ledger entry of the request settles it; no agent to type into is refused", () => {
    const r = request({ action: "send", taskId: "a", text: "hi", status: "accepted" })
    const entry = (status: "confirmed" | "lost" | "intent") => ({
      key: `request:${r.id}`,
      taskId: "a",
      text: "hi",
      status,
      at: 1
    })
    expect(decideRequest(r, state([task("a")], { prompts: [entry("confirmed")] }))._tag).toBe("Complete")
    expect(decideRequest(r, state([task("a")], { prompts: [entry("lost")] }))._tag).toBe("Reject")
    expect(decideRequest(r, state([task("a")], { prompts: [entry("intent")] }))._tag).toBe("Execute")
    expect(decideRequest(r, state([task("a", { status: "succeeded" })]))._tag).toBe("Reject")
    expect(decideRequest(request({ action: "send", taskId: "zz" }), state([task("a")]))._tag).toBe("Reject")
  })

  it("law: every request gets exactly one decision, and only open requests are acted on", () => {
    const arb = fc.record({
      action: fc.constantFrom(...ControlAction.literals),
      status: fc.constantFrom(...RequestStatus.literals),
      taskId: fc.constantFrom("a", "b", "zz"),
      wave: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined })
    })
    fc.assert(
      fc.property(arb, ({ action, status, taskId, wave }) => {
        const d = decideRequest(
          request({ action, status, taskId }),
          state([task("a"), task("b")], { waves: [["a"], ["b"]] }),
          wave
        )
        expect(["Ignore", "Execute", "Complete", "Reject"]).toContain(d._tag)
        if (status === "done" || status === "failed") expect(d._tag).toBe("Ignore")
        else expect(d._tag).not.toBe("Ignore")
      })
    )
  })
})

describe("launchingPaused and openRequests", () => {
  it("the latest finished pause or continue decides; open ones do not count", () => {
    const pause = request({ id: "00000000000001-a", action: "pause", status: "done", finishedAt: 10 })
    const cont = request({ id: "00000000000002-a", action: "continue", status: "done", finishedAt: 20 })
    expect(launchingPaused([pause])).toBe(true)
    expect(launchingPaused([pause, cont])).toBe(false)
    expect(launchingPaused([cont, { ...pause, finishedAt: 30 }])).toBe(true)
    expect(launchingPaused([{ ...pause, status: "pending" }])).toBe(false)
  })

  it("open requests come oldest first", () => {
    const a = request({ id: "00000000000002-a" })
    const b = request({ id: "00000000000001-b", status: "accepted" })
    expect(openRequests([a, b, request({ id: "0-c", status: "done" })]).map((r) => r.id)).toEqual([b.id, a.id])
  })

  it("the request file round-trips through its Schema", () => {
    const r = request({ action: "send", taskId: "a", text: "hi\nthere", status: "done", outcome: "typed" })
    expect(Schema.decodeUnknownSync(ControlRequest)(JSON.parse(JSON.stringify(r)))).toEqual(r)
    expect(() => Schema.decodeUnknownSync(ControlRequest)({ ...r, action: "reboot" })).toThrow()
  })
})
