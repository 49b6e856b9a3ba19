/**
 * The controllable plan behind FaultyFileSystem: which write-like step fails and how, where the
 * "process" dies, and a torn write. Steps are counted from 0 across every mutating call (open for
 * writing, write, fsync — of files and directories —, rename, link, remove, mkdir, chmod, …), so a
 * test can run an operation once to count its steps N, then crash it at every k in 0..N.
 */
import * as PlatformError from "effect/PlatformError"

/** An injected error: what the platform would have reported. */
export const FaultKind = {
  NoSpace: { tag: "Unknown", code: "ENOSPC", text: "no space left on device" },
  PermissionDenied: { tag: "PermissionDenied", code: "EACCES", text: "permission denied" },
  ReadOnly: { tag: "Unknown", code: "EROFS", text: "read-only file system" },
  Io: { tag: "Unknown", code: "EIO", text: "i/o error" },
  Crashed: { tag: "Unknown", code: "ECRASHED", text: "the process crashed (injected): nothing runs after this" }
} as const satisfies Record<
  string,
  { readonly tag: PlatformError.SystemErrorTag; readonly code: string; readonly text: string }
>

/** The name of an injectable fault. */
export type FaultKind = keyof typeof FaultKind

/** The PlatformError for `kind` raised by `method` on `path`. */
const faultError = (kind: FaultKind, method: string, path: string | number): PlatformError.PlatformError => {
  const f = FaultKind[kind]
  const description = `${f.code}: ${f.text}, ${method} '${path}'`
  return PlatformError.systemError({
    _tag: f.tag,
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    description,
    cause: Object.assign(new Error(description), { code: f.code })
  })
}

/** A mutable fault plan. */
export class FaultPlan {
  /** Write-like steps attempted so far. */
  steps = 0
  /** One line per step, for failure messages (`3 rename /a -> /b`). */
  readonly log: Array<string> = []
  /** Set once the simulated process has died: every later operation fails. */
  crashed = false
  /** Data writes fail with this until cleared (a full disk stays full). */
  diskFull: FaultKind | undefined = undefined
  private readonly failures = new Map<number, FaultKind>()
  private crashStep: number | undefined = undefined
  private tearBytes: number | undefined = undefined
  private tearSkip = 0

  /** The `k`-th write-like step from now (0 = the next one) fails once with `kind`. */
  failStep(k: number, kind: FaultKind): this {
    this.failures.set(this.steps + k, kind)
    return this
  }

  /** The `k`-th step from now does not happen: the process dies there (that and every later op fail). */
  crashAtStep(k: number): this {
    this.crashStep = this.steps + k
    return this
  }

  /**
   * The next data write (after letting `skip` data writes through whole) writes only its first
   * `atByte` bytes, then the process dies.
   */
  tearNextWrite(atByte: number, skip = 0): this {
    this.tearBytes = Math.max(0, atByte)
    this.tearSkip = Math.max(0, skip)
    return this
  }

  /** Kill the process now. */
  crash(): this {
    this.crashed = true
    return this
  }

  /** Any operation (read or write): fails once the process is dead. */
  alive(method: string, path: string | number): PlatformError.PlatformError | undefined {
    return this.crashed ? faultError("Crashed", method, path) : undefined
  }

  /** Enter a write-like step: the error it must fail with, if any. */
  step(method: string, path: string | number, detail = ""): PlatformError.PlatformError | undefined {
    const dead = this.alive(method, path)
    if (dead !== undefined) return dead
    const index = this.steps++
    this.log.push(`${index} ${method} ${path}${detail}`)
    if (this.crashStep === index) {
      this.crashed = true
      return faultError("Crashed", method, path)
    }
    const kind = this.failures.get(index)
    if (kind !== undefined) {
      this.failures.delete(index)
      return faultError(kind, method, path)
    }
    return undefined
  }

  /** For a data write that passed `step`: the error of a full disk, if the disk is full. */
  full(method: string, path: string | number): PlatformError.PlatformError | undefined {
    return this.diskFull === undefined ? undefined : faultError(this.diskFull, method, path)
  }

  /** For a data write that passed `step`: how many bytes to write before dying, if torn. */
  takeTear(): number | undefined {
    if (this.tearBytes === undefined) return undefined
    if (this.tearSkip > 0) {
      this.tearSkip -= 1
      return undefined
    }
    const n = this.tearBytes
    this.tearBytes = undefined
    return n
  }
}
