/**
 * The supervisor lease: at most one rekindle process acts on a batch. Acquire by exclusive create;
 * when a lease exists, the pure `decideLease` judges it from the owner's liveness in the process
 * table (pid + start time + host): refuse a live owner with its pid, host and age, take over a dead
 * one (race-free in the store: of several takers exactly one wins).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ProcessIdentity } from "../../domain/Ids.ts"
import { decideLease, type LeaseLiveness } from "../../domain/LeaseDecision.ts"
import type { Lease } from "../../domain/State.ts"
import { LeaseStore, type LeaseError } from "../../ports/Lease.ts"
import { ProcessTable } from "../../ports/ProcessTable.ts"
import { fail, type EngineError } from "./Errors.ts"

/** Default: a lease not renewed for this long, whose owner cannot be checked, is stale. */
export const DEFAULT_LEASE_STALE_MS = 120_000

const locked = (holder: Lease, now: number) =>
  fail(
    "E_LOCKED",
    `batch is supervised by pid ${holder.owner.pid} on ${holder.owner.host} (lease renewed ${Math.round((now - holder.renewedAt) / 1000)}s ago)`,
    "wait for it, or stop that process; a stale lease is taken over automatically",
    { owner: holder.owner, ageMs: now - holder.renewedAt }
  )

const leaseIo = (e: LeaseError) =>
  fail(
    e.reason === "Symlink" ? "E_UNSAFE_PATH" : "E_IO",
    `lease ${e.path}: ${e.message}`,
    "check the .rekindle directory"
  )

/** How the lease owner looks from here. */
export const ownerLiveness = Effect.fn("Supervision.ownerLiveness")(function* (
  owner: ProcessIdentity,
  self: ProcessIdentity
) {
  if (owner.host !== self.host) return "unknown" as LeaseLiveness
  const procs = yield* ProcessTable
  const all = yield* procs.snapshot.pipe(Effect.option)
  if (all._tag === "None") return "unknown" as LeaseLiveness
  const p = all.value.find((x) => x.pid === owner.pid)
  return (p === undefined ? "dead" : p.startTime === owner.startTime ? "alive" : "pid-reused") as LeaseLiveness
})

/** Take the lease at `path` for this process (or fail E_LOCKED with the owner). */
export const acquireLease = Effect.fn("Supervision.acquireLease")(
  function* (path: string, staleMs = DEFAULT_LEASE_STALE_MS) {
    const store = yield* LeaseStore
    const self = yield* (yield* ProcessTable).self.pipe(
      Effect.mapError((e) => fail("E_IO", `cannot identify this process: ${e.message}`, "is /proc readable?"))
    )
    for (let round = 0; round < 3; round++) {
      const now = yield* Clock.currentTimeMillis
      const got = yield* store.acquire(path, self, now).pipe(
        Effect.map((l) => ({ ok: true as const, lease: l })),
        Effect.catchIf(
          (e) => e.reason === "Held",
          (e) => Effect.succeed({ ok: false as const, holder: e.holder })
        )
      )
      if (got.ok) return { self, lease: got.lease }
      const holder = got.holder ?? (yield* store.read(path).pipe(Effect.mapError(leaseIo)))
      if (holder === undefined) continue // released meanwhile: try again
      const decision = decideLease(holder, now, yield* ownerLiveness(holder.owner, self), self, staleMs)
      switch (decision._tag) {
        case "Acquire":
          continue
        case "Refuse":
          return yield* locked(holder, now)
        case "Renew":
          return { self, lease: yield* store.renew(path, self, now).pipe(Effect.mapError(leaseIo)) }
        case "TakeOver": {
          const taken = yield* store.takeOver(path, holder, self, now).pipe(
            Effect.map((l) => l as Lease | undefined),
            Effect.catchIf(
              (e) => e.reason === "Held" || e.reason === "Changed",
              () => Effect.succeed(undefined)
            )
          )
          if (taken !== undefined) return { self, lease: taken }
          continue // someone else won the takeover: judge the new holder
        }
      }
    }
    const last = yield* store.read(path).pipe(Effect.mapError(leaseIo))
    return yield* last === undefined
      ? fail("E_LOCKED", "the lease kept changing hands", "another supervisor is starting; try again")
      : locked(last, yield* Clock.currentTimeMillis)
  },
  (e) => Effect.mapError(e, (err): EngineError => (err._tag === "LeaseError" ? leaseIo(err) : err))
)

/** Hold the lease for the enclosing scope: released (if still ours) when the scope closes. */
export const withLease = (
  path: string,
  staleMs?: number
): Effect.Effect<
  { readonly self: ProcessIdentity; readonly lease: Lease },
  EngineError,
  LeaseStore | ProcessTable | Scope.Scope
> =>
  Effect.acquireRelease(acquireLease(path, staleMs), ({ self }) =>
    Effect.gen(function* () {
      const store = yield* LeaseStore
      yield* Effect.ignore(store.release(path, self))
    })
  )

/** Renew the lease (between steps of a long apply). Losing it is fatal: another supervisor took over. */
export const renewLease = Effect.fn("Supervision.renewLease")(function* (path: string, self: ProcessIdentity) {
  const store = yield* LeaseStore
  const now = yield* Clock.currentTimeMillis
  yield* store
    .renew(path, self, now)
    .pipe(
      Effect.mapError((e) =>
        e.reason === "NotOwner"
          ? fail(
              "E_LOCKED",
              "the supervisor lease was taken over by another process",
              "stop here: the other supervisor continues"
            )
          : leaseIo(e)
      )
    )
})

/** How often a supervisor that only watches its agents renews its lease: well inside {@link DEFAULT_LEASE_STALE_MS}. */
export const LEASE_KEEP_MS = 15_000

/** The lease a supervisor holds: where it is, and who holds it (this process). */
export interface HeldLease {
  readonly path: string
  readonly self: ProcessIdentity
}

/**
 * An effect to run on every poll of a supervisor that holds `lease`: it renews the lease when
 * {@link LEASE_KEEP_MS} have passed since it last did. Without it a supervisor that only waits for
 * long-running agents renews nothing, and once its lease is older than the stale limit a `resume` that
 * cannot check its liveness (another host, another PID namespace) takes over a LIVE supervisor. Losing the
 * lease fails E_LOCKED: another supervisor took over, this one stops.
 */
export const leaseKeeper = (lease: HeldLease | undefined): Effect.Effect<void, EngineError, LeaseStore> => {
  if (lease === undefined) return Effect.void
  let renewedAt = Number.NEGATIVE_INFINITY
  return Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    if (now - renewedAt < LEASE_KEEP_MS) return
    yield* renewLease(lease.path, lease.self)
    renewedAt = now
  })
}
