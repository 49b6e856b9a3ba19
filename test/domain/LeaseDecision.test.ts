import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import type { ProcessIdentity } from "../../core/domain/Ids.ts"
import { decideLease, LeaseDecision, type LeaseLiveness, sameProcessIdentity } from "../../core/domain/LeaseDecision.ts"
import type { Lease } from "../../core/domain/State.ts"

const self: ProcessIdentity = { pid: 100, startTime: "5000", host: "box" }
const other: ProcessIdentity = { pid: 200, startTime: "6000", host: "box" }
const leaseOf = (owner: ProcessIdentity, renewedAt: number): Lease => ({ owner, acquiredAt: 0, renewedAt })
const STALE = 30_000
const NOW = 100_000

describe("decideLease: one example per row", () => {
  it("no lease → Acquire, with the lease to write", () => {
    const d = decideLease(undefined, NOW, "unknown", self, STALE)
    expect(d).toMatchObject({ _tag: "Acquire", lease: { owner: self, acquiredAt: NOW, renewedAt: NOW } })
  })

  it("same pid, start time and host → Renew, keeping acquiredAt", () => {
    const d = decideLease(leaseOf(self, NOW - 1_000), NOW, "alive", self, STALE)
    expect(d).toMatchObject({ _tag: "Renew", lease: { owner: self, acquiredAt: 0, renewedAt: NOW } })
  })

  it("same pid and host but another start time is NOT us", () => {
    const predecessor = { ...self, startTime: "4000" }
    expect(decideLease(leaseOf(predecessor, NOW), NOW, "pid-reused", self, STALE)._tag).toBe("TakeOver")
    expect(decideLease(leaseOf(predecessor, NOW), NOW, "alive", self, STALE)._tag).toBe("Refuse")
  })

  it("live owner → Refuse with owner and age, however old its renewal", () => {
    const d = decideLease(leaseOf(other, NOW - 10 * STALE), NOW, "alive", self, STALE)
    expect(d).toMatchObject({ _tag: "Refuse", owner: other, ageMs: 10 * STALE })
  })

  it("dead owner → TakeOver, even when freshly renewed", () => {
    const previous = leaseOf(other, NOW)
    expect(decideLease(previous, NOW, "dead", self, STALE)).toMatchObject({
      _tag: "TakeOver",
      previous,
      lease: { owner: self, acquiredAt: NOW, renewedAt: NOW }
    })
  })

  it("pid reused → TakeOver", () => {
    expect(decideLease(leaseOf(other, NOW), NOW, "pid-reused", self, STALE)._tag).toBe("TakeOver")
  })

  it("unknown liveness: Refuse within staleAfterMs (boundary included), TakeOver after", () => {
    expect(decideLease(leaseOf(other, NOW - STALE + 1), NOW, "unknown", self, STALE)._tag).toBe("Refuse")
    expect(decideLease(leaseOf(other, NOW - STALE), NOW, "unknown", self, STALE)._tag).toBe("Refuse")
    expect(decideLease(leaseOf(other, NOW - STALE - 1), NOW, "unknown", self, STALE)._tag).toBe("TakeOver")
  })

  it("an owner on another host is judged by staleness only, whatever the local table says", () => {
    const remote = { ...other, host: "elsewhere" }
    expect(decideLease(leaseOf(remote, NOW - 1), NOW, "dead", self, STALE)._tag).toBe("Refuse")
    expect(decideLease(leaseOf(remote, NOW - 1), NOW, "pid-reused", self, STALE)._tag).toBe("Refuse")
    expect(decideLease(leaseOf(remote, NOW - STALE - 1), NOW, "dead", self, STALE)._tag).toBe("TakeOver")
  })

  // Shrunk by "never TakeOver of a live owner": the remote-host downgrade to "unknown" used to apply
  // to "alive" too, so a stale-looking remote owner reported alive was taken over.
  it("regression: a remote owner reported alive is refused even when its renewal looks stale", () => {
    const remote = { pid: 1, startTime: "1", host: "elsewhere" }
    const me = { pid: 1, startTime: "1", host: "box" }
    expect(decideLease(leaseOf(remote, 0), 1, "alive", me, 0)._tag).toBe("Refuse")
  })

  it("a renewal in the future (clock skew) is fresh: Refuse with a negative age", () => {
    expect(decideLease(leaseOf(other, NOW + 5_000), NOW, "unknown", self, STALE)).toMatchObject({
      _tag: "Refuse",
      ageMs: -5_000
    })
  })

  it("a NaN threshold never makes a lease stale", () => {
    expect(decideLease(leaseOf(other, 0), NOW, "unknown", self, Number.NaN)._tag).toBe("Refuse")
  })
})

describe("decideLease: laws", () => {
  const hosts = fc.constantFrom("box", "elsewhere")
  const identity = fc.record({
    pid: fc.integer({ min: 1, max: 4 }),
    startTime: fc.constantFrom("1", "2"),
    host: hosts
  })
  const liveness = fc.constantFrom<LeaseLiveness>("alive", "dead", "pid-reused", "unknown")
  const time = fc.integer({ min: 0, max: 1_000_000 })
  const lease = fc.record({ owner: identity, acquiredAt: time, renewedAt: time })
  const input = fc.tuple(
    fc.option(lease, { nil: undefined }),
    time,
    liveness,
    identity,
    fc.integer({ min: 0, max: 500_000 })
  )

  it("property: the decision is a valid LeaseDecision", () => {
    fc.assert(
      fc.property(input, ([cur, now, live, me, stale]) => {
        expect(Schema.is(LeaseDecision)(decideLease(cur, now, live, me, stale))).toBe(true)
      })
    )
  })

  it("property: never Renew for a different identity, always Renew for our own", () => {
    fc.assert(
      fc.property(input, ([cur, now, live, me, stale]) => {
        const d = decideLease(cur, now, live, me, stale)
        const ours = cur !== undefined && sameProcessIdentity(cur.owner, me)
        expect(d._tag === "Renew").toBe(ours)
      })
    )
  })

  it("property: never TakeOver of a live owner", () => {
    fc.assert(
      fc.property(input, ([cur, now, _live, me, stale]) => {
        expect(decideLease(cur, now, "alive", me, stale)._tag).not.toBe("TakeOver")
      })
    )
  })

  it("property: a remote owner renewed within staleAfterMs is never taken over", () => {
    fc.assert(
      fc.property(input, ([cur, now, live, me, stale]) => {
        fc.pre(cur !== undefined && cur.owner.host !== me.host && now - cur.renewedAt <= stale)
        expect(decideLease(cur, now, live, me, stale)._tag).toBe("Refuse")
      })
    )
  })

  it("property: Acquire only without a lease; Refuse/TakeOver always name the current owner", () => {
    fc.assert(
      fc.property(input, ([cur, now, live, me, stale]) => {
        const d = decideLease(cur, now, live, me, stale)
        expect(d._tag === "Acquire").toBe(cur === undefined)
        if (d._tag === "Refuse") expect(d.owner).toEqual(cur?.owner)
        if (d._tag === "TakeOver") {
          expect(d.previous).toEqual(cur)
          expect(d.lease.owner).toEqual(me)
        }
      })
    )
  })
})
