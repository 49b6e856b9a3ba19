/**
 * Port: the supervisor lease file (never two supervisors for one batch, DESIGN §5.2).
 *
 * The adapter only offers race-free primitives; whether a held lease is stale is decided by the pure
 * `decideLease` (core/domain/LeaseDecision.ts) from what `read` returned. Every write is exclusive at
 * the file level: of any number of processes racing to acquire, or to take over the same stale lease,
 * exactly one succeeds. The lease path is never followed when it is a symlink.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ProcessIdentity } from "../domain/Ids.ts"
import { Lease } from "../domain/State.ts"

/**
 * Why a lease operation was refused:
 * - `Held`: another owner holds the lease (`holder`, `ageMs` = now − renewedAt when known);
 * - `Changed`: `takeOver` found no lease any more (someone released or moved it): read and decide again;
 * - `NotOwner`: `renew`/`release` by a process that does not own the lease (pid+startTime+host);
 * - `Corrupt`: the lease file exists but is not a lease (torn by hand, not a regular file…);
 * - `Symlink`: the lease path is a symbolic link: never followed, never replaced;
 * - `Io`: the file system refused (`code` carries the errno name).
 */
export const LeaseErrorReason = Schema.Literals(["Held", "Changed", "NotOwner", "Corrupt", "Symlink", "Io"])
/** @see LeaseErrorReason */
export type LeaseErrorReason = typeof LeaseErrorReason.Type

/** A lease operation was refused or failed. */
export class LeaseError extends Schema.TaggedError<LeaseError>()("LeaseError", {
  reason: LeaseErrorReason,
  path: Schema.String,
  message: Schema.String,
  /** The lease found on disk (`Held`, `NotOwner`). */
  holder: Schema.optionalKey(Lease),
  /** now − holder.renewedAt, when the operation was given `now`. */
  ageMs: Schema.optionalKey(Schema.Number),
  code: Schema.optionalKey(Schema.String)
}) {}

/** The operations rekindle needs on lease files. Paths are absolute; `now` is epoch ms. */
export interface LeaseShape {
  /** The lease on disk, or `undefined` when none exists. */
  readonly read: (path: string) => Effect.Effect<Lease | undefined, LeaseError>
  /**
   * Create the lease for `self` only if none exists (atomic exclusive create of a complete 0600
   * file; a crash never leaves a half-written lease). Fails `Held` with the current lease otherwise.
   */
  readonly acquire: (path: string, self: ProcessIdentity, now: number) => Effect.Effect<Lease, LeaseError>
  /**
   * Replace `expected` (a lease the caller judged stale) with a lease for `self`. Race-free: of
   * several processes taking over the same stale lease, exactly one succeeds; the others fail `Held`
   * (the winner's lease) or `Changed`. Fails `Held` without touching anything when the file no longer
   * holds `expected`.
   */
  readonly takeOver: (
    path: string,
    expected: Lease,
    self: ProcessIdentity,
    now: number
  ) => Effect.Effect<Lease, LeaseError>
  /** Set `renewedAt = now` if `self` owns the lease; `NotOwner` otherwise (also when it is gone). */
  readonly renew: (path: string, self: ProcessIdentity, now: number) => Effect.Effect<Lease, LeaseError>
  /** Remove the lease if `self` owns it; `NotOwner` otherwise. Releasing a missing lease is `NotOwner`. */
  readonly release: (path: string, self: ProcessIdentity) => Effect.Effect<void, LeaseError>
}

/** Service tag for {@link LeaseShape} (named `LeaseStore` so it does not clash with the domain's `Lease`). */
export class LeaseStore extends Context.Service<LeaseStore, LeaseShape>()("rekindle/Lease") {}
