/**
 * The supervisor lease decision (DESIGN §5.2: never two supervisors for one batch).
 *
 * The caller reads the lease, looks the owner up in the process table and passes what it saw; this
 * module only decides. Identity is pid + start time + host, never pid alone: pids are reused, so a
 * process with our pid but another start time is somebody else (or a dead predecessor).
 */
import * as Schema from "effect/Schema"
import { ProcessIdentity } from "./Ids.ts"
import { Lease } from "./State.ts"

/**
 * How the lease owner looks in the process table:
 * - `alive`: a process with the owner's pid AND start time exists;
 * - `dead`: no process with the owner's pid;
 * - `pid-reused`: the pid exists with a different start time (the owner died, its pid was recycled);
 * - `unknown`: the owner is on another host, or the table could not be read.
 */
export const LeaseLiveness = Schema.Literals(["alive", "dead", "pid-reused", "unknown"])
/** @see LeaseLiveness */
export type LeaseLiveness = typeof LeaseLiveness.Type

/** No lease exists: take it. `lease` is the record to write. */
export const LeaseAcquire = Schema.TaggedStruct("Acquire", { lease: Lease, reason: Schema.String })
/** We already own the lease: refresh `renewedAt`. `lease` is the record to write. */
export const LeaseRenew = Schema.TaggedStruct("Renew", { lease: Lease, reason: Schema.String })
/** Another supervisor holds the lease and may be running: do not start. */
export const LeaseRefuse = Schema.TaggedStruct("Refuse", {
  owner: ProcessIdentity,
  /** now − renewedAt (negative when the owner's clock is ahead of ours). */
  ageMs: Schema.Finite,
  reason: Schema.String
})
/** The owner is gone or stale: replace its lease with ours (`lease`), keeping `previous` for the report. */
export const LeaseTakeOver = Schema.TaggedStruct("TakeOver", {
  previous: Lease,
  lease: Lease,
  reason: Schema.String
})

/** The outcome of {@link decideLease}. */
export const LeaseDecision = Schema.Union([LeaseAcquire, LeaseRenew, LeaseRefuse, LeaseTakeOver])
/** @see LeaseDecision */
export type LeaseDecision = typeof LeaseDecision.Type

/** Same process: pid, start time and host all equal. */
export const sameProcessIdentity = (a: ProcessIdentity, b: ProcessIdentity): boolean =>
  a.pid === b.pid && a.startTime === b.startTime && a.host === b.host

const describe = (p: ProcessIdentity): string => `pid ${p.pid} on ${p.host} (started ${p.startTime})`

/**
 * Decide what to do with the batch lease at time `now`.
 *
 * A process table only speaks for its own host, so `dead`/`pid-reused` for an owner on another host is
 * treated as `unknown` and falls back to staleness, while `alive` always refuses: a wrong liveness from
 * the caller can then at worst delay a take-over, never take over a live supervisor. Staleness is strict: the owner is stale
 * only when it renewed MORE than `staleAfterMs` ago; a NaN age or threshold never counts as stale.
 */
export const decideLease = (
  current: Lease | undefined,
  now: number,
  liveness: LeaseLiveness,
  self: ProcessIdentity,
  staleAfterMs: number
): LeaseDecision => {
  const fresh: Lease = { owner: self, acquiredAt: now, renewedAt: now }
  if (current === undefined) {
    return { _tag: "Acquire", lease: fresh, reason: "no supervisor holds the lease" }
  }
  const owner = current.owner
  if (sameProcessIdentity(owner, self)) {
    return { _tag: "Renew", lease: { ...current, renewedAt: now }, reason: "this process owns the lease" }
  }
  const rawAge = now - current.renewedAt
  const ageMs = Number.isFinite(rawAge) ? rawAge : 0
  // Only evidence of death is discounted for a remote owner: "alive" still refuses, so a caller's
  // mistake can only ever make us more careful.
  const seen: LeaseLiveness = owner.host === self.host || liveness === "alive" ? liveness : "unknown"
  switch (seen) {
    case "alive":
      return { _tag: "Refuse", owner, ageMs, reason: `the lease is held by a live supervisor, ${describe(owner)}` }
    case "dead":
      return { _tag: "TakeOver", previous: current, lease: fresh, reason: `the lease owner ${describe(owner)} is dead` }
    case "pid-reused":
      return {
        _tag: "TakeOver",
        previous: current,
        lease: fresh,
        reason: `the lease owner ${describe(owner)} is gone; its pid now belongs to another process`
      }
    case "unknown": {
      const why = owner.host === self.host ? "its liveness is unknown" : "it runs on another host"
      // Written as `>` on finite numbers so NaN (bad clock, bad config) falls to Refuse: refusing is
      // recoverable by the user, a second supervisor is not.
      const stale = Number.isFinite(rawAge) && !Number.isNaN(staleAfterMs) && rawAge > staleAfterMs
      return stale
        ? {
            _tag: "TakeOver",
            previous: current,
            lease: fresh,
            reason: `the lease owner ${describe(owner)} is stale: ${why} and it last renewed ${rawAge} ms ago (limit ${staleAfterMs} ms)`
          }
        : {
            _tag: "Refuse",
            owner,
            ageMs,
            reason: `the lease is held by ${describe(owner)}: ${why}, but it renewed ${ageMs} ms ago (within ${staleAfterMs} ms)`
          }
    }
  }
}
