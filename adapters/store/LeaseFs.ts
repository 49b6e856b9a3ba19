/**
 * Lease over Effect's `FileSystem` + `Path`: real on NodeServices, fake on MemoryFileSystem.
 *
 * Every lease file is created complete and exclusively: the content is written to a unique temp and
 * fsynced, then hard-linked to the lease path — link(2) fails if ANY entry exists there (a symlink
 * included), so a crash never leaves a half-written lease and two creators never both succeed.
 * Replacing a lease (take over, renew, release) first CLAIMS it with rename(2) to a unique name:
 * only one process's rename of a given file can succeed, and the claimant then checks that the file
 * it moved is the one it meant to replace (putting it back if not) before linking the new lease.
 * A renewal claims its own lease too, so for that moment the lease sits at `<path>.renew-…`: acquire,
 * read and takeOver look there when the path is empty, and a live owner never loses its lease to a
 * newcomer that arrived mid-renewal.
 * The lease path is never followed: it is lstat'ed and opened O_NOFOLLOW.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import type { ProcessIdentity } from "../../core/domain/Ids.ts"
import type { Lease } from "../../core/domain/State.ts"
import { LeaseError, LeaseStore } from "../../core/ports/Lease.ts"
import {
  describe,
  ensureDirectory,
  errnoOf,
  isSystem,
  readRegular,
  removeQuietly,
  syncDirectory,
  uniqueSibling,
  writeNewDurable
} from "./FsSafe.ts"
import { describeHolder, leaseBytes, parseLease, sameLease, sameOwner } from "./LeaseCodec.ts"

const io =
  (path: string, doing: string) =>
  (e: PlatformError.PlatformError): LeaseError => {
    const code = errnoOf(e)
    return new LeaseError({
      reason: "Io",
      path,
      message: `cannot ${doing} ${path}: ${describe(e)}`,
      ...(code === undefined ? {} : { code })
    })
  }

const held = (path: string, holder: Lease, now?: number): LeaseError => {
  const ageMs = now === undefined ? undefined : now - holder.renewedAt
  return new LeaseError({
    reason: "Held",
    path,
    message: `lease ${path} is held by ${describeHolder(holder, now)}`,
    holder,
    ...(ageMs === undefined ? {} : { ageMs })
  })
}

const notOwner = (path: string, holder: Lease | undefined): LeaseError =>
  new LeaseError({
    reason: "NotOwner",
    path,
    message:
      holder === undefined
        ? `no lease at ${path}: this process does not own it`
        : `lease ${path} belongs to ${describeHolder(holder)}, not to this process`,
    ...(holder === undefined ? {} : { holder })
  })

/** Build the adapter over whatever FileSystem and Path are provided. */
export const make = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path

  /** The lease at `p`, undefined when there is none; Symlink/Corrupt refusals. */
  const readAt = (p: string, shownAs: string = p) =>
    Effect.flatMap(Effect.mapError(readRegular(fs, p), io(shownAs, "read")), (r) => {
      switch (r._tag) {
        case "Missing":
          return Effect.succeed(undefined)
        case "Symlink":
          return Effect.fail(
            new LeaseError({
              reason: "Symlink",
              path: shownAs,
              message: `${shownAs} is a symbolic link; rekindle never follows or replaces it`
            })
          )
        case "NotRegular":
          return Effect.fail(
            new LeaseError({
              reason: "Corrupt",
              path: shownAs,
              message: `${shownAs} is not a regular file (${r.type})`
            })
          )
        case "File": {
          const lease = parseLease(r.bytes)
          return lease === undefined
            ? Effect.fail(
                new LeaseError({
                  reason: "Corrupt",
                  path: shownAs,
                  message: `${shownAs} does not hold a lease (${r.bytes.length} bytes); inspect and remove it by hand`
                })
              )
            : Effect.succeed(lease)
        }
      }
    })

  /** Write `lease` complete to a temp and link it at `p`; false when something is already there. */
  const createExclusive = (p: string, lease: Lease) => {
    const tmp = uniqueSibling(p, "new")
    return writeNewDurable(fs, tmp, leaseBytes(lease)).pipe(
      Effect.andThen(
        fs.link(tmp, p).pipe(
          Effect.as(true),
          Effect.catchIf(
            (e) => isSystem(e, "AlreadyExists"),
            () => Effect.succeed(false)
          )
        )
      ),
      Effect.ensuring(removeQuietly(fs, tmp)),
      Effect.mapError(io(p, "create"))
    )
  }

  const syncDir = (p: string) => Effect.mapError(syncDirectory(fs, path.dirname(p)), io(p, "fsync the directory of"))

  /** Move the lease at `p` aside; undefined when it was already gone. */
  const claim = (p: string, tag: string) => {
    const aside = uniqueSibling(p, tag)
    return fs.rename(p, aside).pipe(
      Effect.as(aside as string | undefined),
      Effect.catchIf(
        (e) => isSystem(e, "NotFound"),
        () => Effect.succeed(undefined)
      ),
      Effect.mapError(io(p, "claim"))
    )
  }

  /** Put back a lease we moved by mistake (unless someone created a new one meanwhile), drop the claim. */
  const putBack = (p: string, aside: string) =>
    fs
      .link(aside, p)
      .pipe(
        Effect.ignore,
        Effect.andThen(removeQuietly(fs, aside)),
        Effect.andThen(Effect.ignore(syncDirectory(fs, path.dirname(p))))
      )

  /**
   * A renewal in flight: between its claim and its new link the owner's lease sits at
   * `<p>.renew-…` and `p` is absent. That owner still holds the lease: acquirers must see it (and a
   * takeover of a renewer that died in that moment must find it).
   */
  const renewing = (p: string) =>
    Effect.gen(function* () {
      const prefix = `${path.basename(p)}.renew-`
      const names = yield* fs.readDirectory(path.dirname(p)).pipe(Effect.orElseSucceed(() => [] as Array<string>))
      for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
        const aside = path.join(path.dirname(p), name)
        const lease = yield* readAt(aside, p).pipe(Effect.orElseSucceed(() => undefined))
        if (lease !== undefined) return { aside, lease }
      }
      return undefined
    })

  /** The lease at `p`, or the one a renewal in flight moved aside. */
  const holderAt = (p: string) =>
    Effect.flatMap(readAt(p), (l) => (l !== undefined ? Effect.succeed(l) : Effect.map(renewing(p), (r) => r?.lease)))

  const read = Effect.fn("LeaseFs.read")(function* (p: string) {
    return yield* holderAt(p)
  })

  const acquire = Effect.fn("LeaseFs.acquire")(function* (p: string, self: ProcessIdentity, now: number) {
    yield* Effect.mapError(ensureDirectory(fs, path, path.dirname(p)), io(p, "create the directory of"))
    const lease: Lease = { owner: self, acquiredAt: now, renewedAt: now }
    // Bounded: each retry means the holder released between our link and our read.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = yield* holderAt(p)
      if (current !== undefined) return yield* held(p, current, now)
      if (yield* createExclusive(p, lease)) {
        yield* syncDir(p)
        return lease
      }
    }
    return yield* new LeaseError({ reason: "Changed", path: p, message: `lease ${p} keeps changing hands; try again` })
  })

  /** Take over the lease a renewer that died mid-renewal left at `aside` (p is absent). */
  const takeOverAside = (p: string, aside: string, expected: Lease, self: ProcessIdentity, now: number) =>
    Effect.gen(function* () {
      // Claim it like any stale lease: of several takers only one rename succeeds.
      const claimed = uniqueSibling(p, "stale")
      const won = yield* fs.rename(aside, claimed).pipe(
        Effect.as(true),
        Effect.catchIf(
          (e) => isSystem(e, "NotFound"),
          () => Effect.succeed(false)
        ),
        Effect.mapError(io(p, "claim"))
      )
      if (!won)
        return yield* new LeaseError({
          reason: "Changed",
          path: p,
          message: `lease ${p} was taken over by another process`
        })
      const moved = yield* readAt(claimed, p).pipe(Effect.orElseSucceed(() => undefined))
      if (moved === undefined || !sameLease(moved, expected)) {
        yield* fs.rename(claimed, aside).pipe(Effect.ignore)
        return yield* new LeaseError({ reason: "Changed", path: p, message: `lease ${p} changed` })
      }
      const created = yield* createExclusive(p, { owner: self, acquiredAt: now, renewedAt: now })
      yield* removeQuietly(fs, claimed)
      if (!created) {
        const holder = yield* holderAt(p)
        return yield* holder === undefined
          ? new LeaseError({ reason: "Changed", path: p, message: `lease ${p} changed` })
          : held(p, holder, now)
      }
      yield* syncDir(p)
      return { owner: self, acquiredAt: now, renewedAt: now } satisfies Lease as Lease
    })

  const takeOver = Effect.fn("LeaseFs.takeOver")(function* (
    p: string,
    expected: Lease,
    self: ProcessIdentity,
    now: number
  ) {
    const current = yield* readAt(p)
    if (current === undefined) {
      const inFlight = yield* renewing(p)
      if (inFlight !== undefined && sameLease(inFlight.lease, expected))
        return yield* takeOverAside(p, inFlight.aside, expected, self, now)
      if (inFlight !== undefined) return yield* held(p, inFlight.lease, now)
      return yield* new LeaseError({ reason: "Changed", path: p, message: `lease ${p} is gone; acquire it instead` })
    }
    if (!sameLease(current, expected)) return yield* held(p, current, now)
    const aside = yield* claim(p, "stale")
    if (aside === undefined) {
      const now2 = yield* readAt(p)
      return yield* now2 === undefined
        ? new LeaseError({ reason: "Changed", path: p, message: `lease ${p} was taken over by another process` })
        : held(p, now2, now)
    }
    const moved = yield* readAt(aside, p).pipe(Effect.tapError(() => putBack(p, aside)))
    if (moved === undefined || !sameLease(moved, expected)) {
      yield* putBack(p, aside)
      const holder = (yield* Effect.orElseSucceed(readAt(p), () => undefined)) ?? moved
      return yield* holder === undefined
        ? new LeaseError({ reason: "Changed", path: p, message: `lease ${p} changed` })
        : held(p, holder, now)
    }
    const lease: Lease = { owner: self, acquiredAt: now, renewedAt: now }
    const created = yield* createExclusive(p, lease).pipe(Effect.onError(() => putBack(p, aside)))
    yield* removeQuietly(fs, aside)
    if (!created) {
      const holder = yield* readAt(p)
      return yield* holder === undefined
        ? new LeaseError({ reason: "Changed", path: p, message: `lease ${p} changed` })
        : held(p, holder, now)
    }
    yield* syncDir(p)
    return lease
  })

  /** Claim our own lease at `p` (refusing anyone else's), returning where it was moved and its content. */
  const claimOwn = (p: string, self: ProcessIdentity, tag: string) =>
    Effect.gen(function* () {
      const current = yield* readAt(p)
      if (current === undefined || !sameOwner(current.owner, self)) return yield* notOwner(p, current)
      const aside = yield* claim(p, tag)
      if (aside === undefined) return yield* notOwner(p, yield* Effect.orElseSucceed(readAt(p), () => undefined))
      const moved = yield* readAt(aside, p).pipe(Effect.tapError(() => putBack(p, aside)))
      if (moved === undefined || !sameOwner(moved.owner, self)) {
        yield* putBack(p, aside)
        return yield* notOwner(p, moved)
      }
      return { aside, moved }
    })

  const renew = Effect.fn("LeaseFs.renew")(function* (p: string, self: ProcessIdentity, now: number) {
    const { aside, moved } = yield* claimOwn(p, self, "renew")
    const lease: Lease = { ...moved, renewedAt: now }
    // On failure put our previous lease back: a renewal that fails must not lose the lease.
    const created = yield* createExclusive(p, lease).pipe(Effect.onError(() => putBack(p, aside)))
    yield* removeQuietly(fs, aside)
    if (!created) return yield* notOwner(p, yield* Effect.orElseSucceed(readAt(p), () => undefined))
    yield* syncDir(p)
    return lease
  })

  const release = Effect.fn("LeaseFs.release")(function* (p: string, self: ProcessIdentity) {
    const { aside } = yield* claimOwn(p, self, "release")
    yield* Effect.mapError(fs.remove(aside), io(p, "release"))
    yield* syncDir(p)
  })

  return LeaseStore.of({ read, acquire, takeOver, renew, release })
})

/** LeaseStore over the provided FileSystem and Path (NodeServices.layer for the real disk). */
export const layer: Layer.Layer<LeaseStore, never, FileSystem.FileSystem | Path.Path> = Layer.effect(LeaseStore, make)
