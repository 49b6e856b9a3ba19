/**
 * File-system primitives shared by the store adapters, over Effect's `FileSystem` service: read a
 * regular file without following a symlink, write-and-fsync a new file exclusively, fsync a
 * directory, create directories 0700 durably, unique sibling names, and errno extraction.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import { randomBytes } from "node:crypto"

/** Files rekindle writes are private to the user. */
export const FILE_MODE = 0o600
/** Directories rekindle creates are private to the user. */
const DIR_MODE = 0o700

/** What is at a path, read without following a final symlink. */
type RegularRead =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "File"; readonly bytes: Uint8Array }
  | { readonly _tag: "Symlink" }
  | { readonly _tag: "NotRegular"; readonly type: FileSystem.File.Type }

/** The errno name (`ENOSPC`, `EACCES`, …) behind a PlatformError, when there is one. */
export const errnoOf = (e: PlatformError.PlatformError): string | undefined => {
  const cause: unknown = e.reason.cause
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string")
    return cause.code
  return undefined
}

/** A one-line description of a PlatformError, including the OS message when there is one. */
export const describe = (e: PlatformError.PlatformError): string => {
  const cause: unknown = e.reason.cause
  const os = cause instanceof Error && !e.reason.message.includes(cause.message) ? ` (${cause.message})` : ""
  return `${e.reason.message}${os}`
}

/** True when the PlatformError is a SystemError with this tag. */
export const isSystem = (e: PlatformError.PlatformError, tag: PlatformError.SystemErrorTag): boolean =>
  e.reason._tag === tag

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/**
 * Read the file at `path` if it is a regular file. A symlink is reported, never followed: the
 * check is `lstat`, and the open is O_NOFOLLOW so a symlink swapped in between is refused too.
 */
export const readRegular = (
  fs: FileSystem.FileSystem,
  path: string
): Effect.Effect<RegularRead, PlatformError.PlatformError> =>
  Effect.gen(function* () {
    const info = yield* fs.lstat(path)
    if (info.type === "SymbolicLink") return { _tag: "Symlink" } as const
    if (info.type !== "File") return { _tag: "NotRegular", type: info.type } as const
    const file = yield* fs.open(path, { flag: "r", noFollow: true })
    const chunks: Array<Uint8Array> = []
    for (;;) {
      const chunk = yield* file.readAlloc(64 * 1024)
      if (chunk._tag === "None") break
      chunks.push(chunk.value)
    }
    return { _tag: "File", bytes: concat(chunks) } as const
  }).pipe(
    Effect.scoped,
    Effect.catchIf(
      (e) => isSystem(e, "NotFound"),
      () => Effect.succeed({ _tag: "Missing" } as const)
    ),
    // ELOOP from O_NOFOLLOW: a symlink appeared between lstat and open.
    Effect.catchIf(
      (e) => isSystem(e, "BadResource") && errnoOf(e) === "ELOOP",
      () => Effect.succeed({ _tag: "Symlink" } as const)
    )
  )

/** Create `path` exclusively (O_EXCL, mode 0600), write `bytes` in one call, fsync, close. */
export const writeNewDurable = (
  fs: FileSystem.FileSystem,
  path: string,
  bytes: Uint8Array
): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const file = yield* fs.open(path, { flag: "wx", mode: FILE_MODE })
      yield* file.writeAll(bytes)
      yield* file.sync
    })
  )

/** fsync a directory, so the renames, creations and removals in it survive a power loss. */
export const syncDirectory = (
  fs: FileSystem.FileSystem,
  dir: string
): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (d) => d.sync))

/**
 * Make sure `dir` exists. Missing directories are created 0700, and each new directory's parent is
 * fsynced so the new entries survive a power loss. Existing directories are left as they are.
 */
export const ensureDirectory = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  dir: string
): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.gen(function* () {
    const missing: Array<string> = []
    let cur = dir
    while (!(yield* fs.exists(cur))) {
      missing.push(cur)
      const up = path.dirname(cur)
      if (up === cur) break
      cur = up
    }
    if (missing.length === 0) return
    yield* fs.makeDirectory(dir, { recursive: true, mode: DIR_MODE })
    for (const created of missing.reverse()) yield* syncDirectory(fs, path.dirname(created))
  })

/** A sibling name nobody else will pick: `<path>.<tag>-<pid>-<random>`. */
export const uniqueSibling = (path: string, tag: string): string =>
  `${path}.${tag}-${process.pid}-${randomBytes(6).toString("hex")}`

/** Remove `path`, ignoring every failure (best-effort cleanup of our own temp files). */
export const removeQuietly = (fs: FileSystem.FileSystem, path: string): Effect.Effect<void> =>
  Effect.ignore(fs.remove(path, { force: true }))
