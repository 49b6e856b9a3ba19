/**
 * Pure codec and comparisons for the lease file: one JSON object (the domain `Lease` Schema) plus a
 * newline. Equality is on decoded values, so key order or whitespace never makes two leases differ.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { ProcessIdentity } from "../../core/domain/Ids.ts"
import { Lease } from "../../core/domain/State.ts"

const encodeLease = Schema.encodeSync(Lease)
const decodeLease = Schema.decodeUnknownResult(Lease)
const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** The bytes of a lease file. */
export const leaseBytes = (lease: Lease): Uint8Array => encoder.encode(`${JSON.stringify(encodeLease(lease))}\n`)

/** The lease in `bytes`, or undefined when they are not one. */
export const parseLease = (bytes: Uint8Array): Lease | undefined => {
  try {
    const r = decodeLease(JSON.parse(decoder.decode(bytes)))
    return Result.isSuccess(r) ? r.success : undefined
  } catch {
    return undefined
  }
}

/** Same process: pid, start time and host all equal (pid alone is reused). */
export const sameOwner = (a: ProcessIdentity, b: ProcessIdentity): boolean =>
  a.pid === b.pid && a.startTime === b.startTime && a.host === b.host

/** The very same lease record: same owner and same acquired/renewed times. */
export const sameLease = (a: Lease, b: Lease): boolean =>
  sameOwner(a.owner, b.owner) && a.acquiredAt === b.acquiredAt && a.renewedAt === b.renewedAt

/** `pid 42 on host-a (started 123), renewed 5000 ms ago` — `ago` only when `now` is known. */
export const describeHolder = (lease: Lease, now?: number): string =>
  `pid ${lease.owner.pid} on ${lease.owner.host} (started ${lease.owner.startTime})` +
  (now === undefined ? "" : `, renewed ${now - lease.renewedAt} ms ago`)
