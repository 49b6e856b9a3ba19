/**
 * A fault-injecting wrapper over ANY `FileSystem` (memory or real), driven by a {@link FaultPlan}:
 * fail the k-th write-like step with ENOSPC/EACCES/…, keep the disk full, tear the next write after
 * a byte count, or let the process "die" at step k — after which every operation fails, as nothing
 * runs in a dead process. Reads are passed through untouched while the process lives.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type * as PlatformError from "effect/PlatformError"
import * as Stream from "effect/Stream"
import { FaultPlan } from "./FaultPlan.ts"

/** A wrapped file system and the plan that drives it. */
export interface FaultyFileSystem {
  readonly fs: FileSystem.FileSystem
  readonly plan: FaultPlan
}

type Fx<A> = Effect.Effect<A, PlatformError.PlatformError>

/** Build the wrapper; `plan` may be shared or inspected afterwards. */
export const make = (inner: FileSystem.FileSystem, plan: FaultPlan = new FaultPlan()): FaultyFileSystem => {
  const guard = <A>(e: PlatformError.PlatformError | undefined, run: () => Fx<A>): Fx<A> =>
    e === undefined ? run() : Effect.fail(e)
  const read = <A>(method: string, path: string | number, run: () => Fx<A>): Fx<A> =>
    Effect.suspend(() => guard(plan.alive(method, path), run))
  const step = <A>(method: string, path: string | number, run: () => Fx<A>, detail = ""): Fx<A> =>
    Effect.suspend(() => guard(plan.step(method, path, detail), run))

  /** A data write: may hit the full disk or be torn (prefix written, then the process dies). */
  const dataWrite = <A>(
    method: string,
    path: string | number,
    data: Uint8Array,
    run: (d: Uint8Array) => Fx<A>
  ): Fx<A> =>
    step(
      method,
      path,
      () => {
        const full = plan.full(method, path)
        if (full !== undefined) return Effect.fail(full)
        const tear = plan.takeTear()
        if (tear === undefined) return run(data)
        return Effect.flatMap(Effect.ignore(run(data.subarray(0, Math.min(tear, data.length)))), () => {
          plan.crashed = true
          return Effect.fail(plan.alive(method, path)!)
        })
      },
      ` (${data.length} bytes)`
    )

  const wrapFile = (file: FileSystem.File, path: string): FileSystem.File => ({
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    stat: read("stat", path, () => file.stat),
    seek: (offset, from) => read("seek", path, () => file.seek(offset, from)),
    sync: step("sync", path, () => file.sync),
    read: (buffer, options) => read("read", path, () => file.read(buffer, options)),
    readAlloc: (size, options) => read("readAlloc", path, () => file.readAlloc(size, options)),
    truncate: (length) => step("truncate", path, () => file.truncate(length)),
    write: (buffer) => dataWrite("write", path, buffer, (d) => file.write(d)),
    writeAll: (buffer) => dataWrite("writeAll", path, buffer, (d) => file.writeAll(d))
  })

  const fs = FileSystem.make({
    access: (path, o) => read("access", path, () => inner.access(path, o)),
    chmod: (path, mode) => step("chmod", path, () => inner.chmod(path, mode)),
    chown: (path, uid, gid) => step("chown", path, () => inner.chown(path, uid, gid)),
    copy: (from, to, o) => step("copy", from, () => inner.copy(from, to, o), ` -> ${to}`),
    copyFile: (from, to) => step("copyFile", from, () => inner.copyFile(from, to), ` -> ${to}`),
    link: (from, to) => step("link", from, () => inner.link(from, to), ` -> ${to}`),
    lstat: (path) => read("lstat", path, () => inner.lstat(path)),
    stat: (path) => read("stat", path, () => inner.stat(path)),
    makeDirectory: (path, o) => step("makeDirectory", path, () => inner.makeDirectory(path, o)),
    makeTempDirectory: (o) => step("makeTempDirectory", o?.directory ?? "", () => inner.makeTempDirectory(o)),
    makeTempDirectoryScoped: (o) =>
      Effect.flatMap(
        Effect.suspend(() => guard(plan.step("makeTempDirectoryScoped", o?.directory ?? ""), () => Effect.void)),
        () => inner.makeTempDirectoryScoped(o)
      ),
    makeTempFile: (o) => step("makeTempFile", o?.directory ?? "", () => inner.makeTempFile(o)),
    makeTempFileScoped: (o) =>
      Effect.flatMap(
        Effect.suspend(() => guard(plan.step("makeTempFileScoped", o?.directory ?? ""), () => Effect.void)),
        () => inner.makeTempFileScoped(o)
      ),
    open: (path, o) =>
      Effect.flatMap(
        Effect.suspend(() =>
          guard(
            (o?.flag ?? "r") === "r" ? plan.alive("open", path) : plan.step("open", path, ` ${o?.flag}`),
            () => Effect.void
          )
        ),
        () => Effect.map(inner.open(path, o), (file) => wrapFile(file, path))
      ),
    readDirectory: (path, o) => read("readDirectory", path, () => inner.readDirectory(path, o)),
    readDirectoryEntries: (path) => read("readDirectoryEntries", path, () => inner.readDirectoryEntries(path)),
    readFile: (path) => read("readFile", path, () => inner.readFile(path)),
    readLink: (path) => read("readLink", path, () => inner.readLink(path)),
    realPath: (path) => read("realPath", path, () => inner.realPath(path)),
    remove: (path, o) => step("remove", path, () => inner.remove(path, o)),
    rename: (from, to) => step("rename", from, () => inner.rename(from, to), ` -> ${to}`),
    symlink: (target, path) => step("symlink", path, () => inner.symlink(target, path)),
    truncate: (path, length) => step("truncate", path, () => inner.truncate(path, length)),
    utimes: (path, atime, mtime) => step("utimes", path, () => inner.utimes(path, atime, mtime)),
    watch: (path, o) => Stream.unwrap(read("watch", path, () => Effect.succeed(inner.watch(path, o)))),
    writeFile: (path, data, o) => dataWrite("writeFile", path, data, (d) => inner.writeFile(path, d, o))
  })
  return { fs, plan }
}
