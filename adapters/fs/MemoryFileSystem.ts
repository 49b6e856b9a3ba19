/**
 * An in-memory implementation of Effect's `FileSystem` service for the FakeWorld: the store adapters
 * run unchanged over it. It models what the contracts need to be honest — POSIX open flags (`wx`
 * refuses any existing entry, symlinks included; `noFollow`), owner permission bits and umask, hard
 * links, symlinks, sparse files (a 1 GiB log costs nothing until written), open handles that keep their
 * inode after a rename or unlink, and durability (see MemoryTree: `crash()` is a power loss that drops
 * whatever was not fsynced). mtimes come from the FakeClock. Members it does not model (`chown`, `copy`, `watch`)
 * fail with a BadArgument naming themselves, never silently.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import * as Stream from "effect/Stream"
import { FakeClock } from "../testing/World.ts"
import * as Bytes from "./MemoryBytes.ts"
import { attempt, info, makeHandle, type Access } from "./MemoryFile.ts"
import { components, type DirNode, type FileNode, MemoryTree, R, TreeError, W } from "./MemoryTree.ts"

/** A memory file system and its drivers. */
export interface MemoryFileSystem {
  /** The FileSystem service to provide to adapters. */
  readonly fs: FileSystem.FileSystem
  /** The tree itself (permissions switch, umask, direct inspection). */
  readonly tree: MemoryTree
  /** Power loss: drop everything not fsynced (or a random legal subset, given `random`). */
  readonly crash: (random?: () => number) => void
  /** sync(1): everything in the tree becomes durable (for test setup). */
  readonly syncAll: () => void
  /** The bytes a power loss would keep in the file at `path` (whether its directory entry survives is separate). */
  readonly durableBytes: (path: string) => Uint8Array | undefined
  /** Bytes returned by reads so far (readFile and file handles): proves a reader seeks instead of reading from 0. */
  readonly bytesRead: () => number
}

const unimplemented = (method: string) =>
  PlatformError.badArgument({
    module: "FileSystem",
    method,
    description: `MemoryFileSystem does not implement ${method}`
  })

const flagAccess = (
  flag: FileSystem.OpenFlag
): Access & { readonly create: boolean; readonly exclusive: boolean; readonly trunc: boolean } => ({
  readable: flag === "r" || flag.endsWith("+"),
  writable: flag !== "r",
  append: flag.startsWith("a"),
  create: flag !== "r" && flag !== "r+",
  exclusive: flag.includes("x"),
  trunc: flag.startsWith("w")
})

/** Build a memory file system (non-root semantics by default: permission bits are enforced). */
export const make = (
  options: { readonly clock?: FakeClock; readonly umask?: number; readonly enforcePermissions?: boolean } = {}
): MemoryFileSystem => {
  const tree = new MemoryTree(options.clock ?? new FakeClock(), options)
  let tempSeq = 0

  const openNode = (path: string, flag: FileSystem.OpenFlag, mode: number, noFollow: boolean) => {
    const a = flagAccess(flag)
    const r = tree.resolve(path, !(a.create && a.exclusive) && !noFollow)
    let node = r.node
    if (node?.kind === "symlink") {
      if (a.create && a.exclusive) throw new TreeError("AlreadyExists", "EEXIST", `file already exists, '${path}'`)
      throw new TreeError("BadResource", "ELOOP", `too many symbolic links (noFollow), '${path}'`)
    }
    if (node === undefined) {
      if (!a.create) throw new TreeError("NotFound", "ENOENT", `no such file or directory, '${path}'`)
      tree.writableDir(r.parent, path)
      node = tree.newFile(mode)
      tree.change(r.parent, [[r.name, node]])
    } else {
      if (a.create && a.exclusive) throw new TreeError("AlreadyExists", "EEXIST", `file already exists, '${path}'`)
      if (node.kind === "dir" && a.writable)
        throw new TreeError("BadResource", "EISDIR", `illegal operation on a directory, '${path}'`)
      tree.check(node, (a.readable ? R : 0) | (a.writable ? W : 0), `open '${path}'`)
      if (a.trunc && node.kind === "file") Bytes.truncate(node.content, 0)
    }
    return { node, access: a }
  }

  const asFile = (node: { readonly kind: string }, path: string): FileNode => {
    if (node.kind !== "file")
      throw new TreeError("BadResource", "EISDIR", `illegal operation on a directory, '${path}'`)
    return node as FileNode
  }

  const writeFile = (
    path: string,
    data: Uint8Array,
    opts?: { readonly flag?: FileSystem.OpenFlag | undefined; readonly mode?: number | undefined }
  ) =>
    attempt("writeFile", path, () => {
      const { node, access } = openNode(path, opts?.flag ?? "w", opts?.mode ?? 0o666, false)
      const file = asFile(node, path)
      Bytes.write(file.content, access.append ? file.content.size : 0, data)
      file.mtime = tree.clock.now()
    })

  const mkdir = (path: string, recursive: boolean, mode: number): void => {
    if (!recursive) {
      const r = tree.resolve(path, false)
      if (r.node !== undefined) throw new TreeError("AlreadyExists", "EEXIST", `file already exists, mkdir '${path}'`)
      tree.writableDir(r.parent, path)
      tree.change(r.parent, [[r.name, tree.newDir(mode)]])
      return
    }
    const parts = components(path)
    for (let i = 1; i <= parts.length; i++) {
      const prefix = `/${parts.slice(0, i).join("/")}`
      const r = tree.resolve(prefix, true)
      if (r.node === undefined) {
        tree.writableDir(r.parent, prefix)
        tree.change(r.parent, [[r.name, tree.newDir(mode)]])
      } else if (r.node.kind !== "dir") {
        throw new TreeError(
          i === parts.length ? "AlreadyExists" : "BadResource",
          i === parts.length ? "EEXIST" : "ENOTDIR",
          `mkdir '${path}'`
        )
      }
    }
  }

  const makeTempDirectory = (opts?: {
    readonly directory?: string | undefined
    readonly prefix?: string | undefined
  }) =>
    attempt("makeTempDirectory", opts?.directory ?? "/tmp", () => {
      const base = opts?.directory ?? "/tmp"
      mkdir(base, true, 0o777)
      const path = `${base.replace(/\/$/, "")}/${opts?.prefix ?? ""}mem${((tempSeq += 1)).toString(36)}${Math.random().toString(36).slice(2, 8)}`
      mkdir(path, false, 0o700)
      return path
    })

  const exists = (path: string): boolean => {
    try {
      return tree.resolve(path, false).node !== undefined
    } catch {
      return false
    }
  }

  const remove = (
    path: string,
    opts?: { readonly recursive?: boolean | undefined; readonly force?: boolean | undefined }
  ) =>
    attempt("remove", path, () => {
      // rm -f: a path whose directory is missing too is as gone as a missing file (as node's fs.rm).
      if (opts?.force === true && !exists(path)) return
      const r = tree.resolve(path, false)
      if (r.node === undefined) {
        if (opts?.force === true) return
        throw new TreeError("NotFound", "ENOENT", `no such file or directory, rm '${path}'`)
      }
      if (r.node.kind === "dir" && opts?.recursive !== true)
        throw new TreeError("BadResource", "EISDIR", `is a directory, rm '${path}'`)
      tree.writableDir(r.parent, path)
      tree.change(r.parent, [[r.name, undefined]])
    })

  const readDirectory = (path: string, opts?: { readonly recursive?: boolean | undefined }) =>
    attempt("readDirectory", path, () => {
      const walk = (dir: DirNode, prefix: string): Array<string> =>
        [...dir.entries.entries()].flatMap(([name, node]) =>
          node.kind === "dir" && opts?.recursive === true
            ? [prefix + name, ...walk(node, `${prefix}${name}/`)]
            : [prefix + name]
        )
      const node = tree.get(path, true)
      if (node.kind !== "dir") throw new TreeError("BadResource", "ENOTDIR", `not a directory, scandir '${path}'`)
      tree.check(node, R, `scandir '${path}'`)
      return walk(node, "")
    })

  const fs = FileSystem.make({
    access: (path, opts) =>
      attempt("access", path, () => {
        tree.check(
          tree.get(path, true),
          (opts?.readable === true ? R : 0) | (opts?.writable === true ? W : 0),
          `access '${path}'`
        )
      }),
    chmod: (path, mode) =>
      attempt("chmod", path, () => {
        const node = tree.get(path, true)
        if (node.kind !== "symlink") node.mode = mode & 0o7777
      }),
    chown: () => Effect.fail(unimplemented("chown")),
    copy: () => Effect.fail(unimplemented("copy")),
    copyFile: (from, to) =>
      attempt("copyFile", from, () => {
        const src = asFile(tree.get(from, true), from)
        tree.check(src, R, `copyfile '${from}'`)
        const { node } = openNode(to, "w", src.mode, false)
        Bytes.write(asFile(node, to).content, 0, Bytes.bytes(src.content))
      }),
    link: (from, to) =>
      attempt("link", from, () => {
        const src = tree.get(from, false)
        if (src.kind === "dir")
          throw new TreeError("PermissionDenied", "EPERM", `operation not permitted, link '${from}'`)
        const r = tree.resolve(to, false)
        if (r.node !== undefined)
          throw new TreeError("AlreadyExists", "EEXIST", `file already exists, link '${from}' -> '${to}'`)
        tree.writableDir(r.parent, to)
        tree.change(r.parent, [[r.name, src]])
      }),
    lstat: (path) => attempt("lstat", path, () => info(tree.get(path, false))),
    stat: (path) => attempt("stat", path, () => info(tree.get(path, true))),
    makeDirectory: (path, opts) =>
      attempt("makeDirectory", path, () => mkdir(path, opts?.recursive === true, opts?.mode ?? 0o777)),
    makeTempDirectory,
    makeTempDirectoryScoped: (opts) =>
      Effect.acquireRelease(makeTempDirectory(opts), (dir) =>
        Effect.ignore(remove(dir, { recursive: true, force: true }))
      ),
    makeTempFile: (opts) =>
      Effect.flatMap(makeTempDirectory(opts), (dir) => {
        const path = `${dir}/${((tempSeq += 1)).toString(36)}${opts?.suffix ?? ""}`
        return Effect.as(writeFile(path, new Uint8Array(0)), path)
      }),
    makeTempFileScoped: (opts) =>
      Effect.acquireRelease(
        Effect.flatMap(makeTempDirectory(opts), (dir) => {
          const path = `${dir}/${((tempSeq += 1)).toString(36)}${opts?.suffix ?? ""}`
          return Effect.as(writeFile(path, new Uint8Array(0)), path)
        }),
        (file) => Effect.ignore(remove(file.slice(0, file.lastIndexOf("/")), { recursive: true, force: true }))
      ),
    open: (path, opts) =>
      Effect.acquireRelease(
        attempt("open", path, () => {
          const { node, access } = openNode(path, opts?.flag ?? "r", opts?.mode ?? 0o666, opts?.noFollow === true)
          return makeHandle(tree, node, access, path)
        }),
        (handle) => Effect.sync(handle.close)
      ),
    readDirectory,
    readDirectoryEntries: (path) =>
      Effect.map(readDirectory(path), (names) =>
        names.map((name) => {
          const node = tree.resolve(`${path}/${name}`, false).node
          return { name, type: node === undefined ? ("Unknown" as const) : info(node).type }
        })
      ),
    readFile: (path) =>
      attempt("readFile", path, () => {
        const { node } = openNode(path, "r", 0, false)
        const bytes = Bytes.bytes(asFile(node, path).content)
        tree.bytesRead += bytes.length
        return bytes
      }),
    readLink: (path) =>
      attempt("readLink", path, () => {
        const node = tree.get(path, false)
        if (node.kind !== "symlink") throw new TreeError("Unknown", "EINVAL", `invalid argument, readlink '${path}'`)
        return node.target
      }),
    realPath: (path) =>
      attempt("realPath", path, () => {
        const r = tree.resolve(path, true)
        if (r.node === undefined)
          throw new TreeError("NotFound", "ENOENT", `no such file or directory, realpath '${path}'`)
        return r.path
      }),
    remove,
    rename: (from, to) =>
      attempt("rename", from, () => {
        const src = tree.resolve(from, false)
        if (src.node === undefined)
          throw new TreeError("NotFound", "ENOENT", `no such file or directory, rename '${from}' -> '${to}'`)
        const dst = tree.resolve(to, false)
        if (dst.node === src.node) return
        if (src.node.kind === "dir" && `${dst.path}/`.startsWith(`${src.path}/`)) {
          throw new TreeError("Unknown", "EINVAL", `invalid argument, rename '${from}' -> '${to}'`)
        }
        if (dst.node?.kind === "dir" && src.node.kind !== "dir")
          throw new TreeError("BadResource", "EISDIR", `rename '${from}' -> '${to}'`)
        if (dst.node !== undefined && dst.node.kind !== "dir" && src.node.kind === "dir")
          throw new TreeError("BadResource", "ENOTDIR", `rename '${from}' -> '${to}'`)
        if (dst.node?.kind === "dir" && dst.node.entries.size > 0)
          throw new TreeError("Unknown", "ENOTEMPTY", `directory not empty, rename '${from}' -> '${to}'`)
        tree.writableDir(src.parent, from)
        tree.writableDir(dst.parent, to)
        if (src.parent === dst.parent) {
          tree.change(src.parent, [
            [src.name, undefined],
            [dst.name, src.node]
          ])
        } else {
          tree.change(dst.parent, [[dst.name, src.node]])
          tree.change(src.parent, [[src.name, undefined]])
        }
      }),
    symlink: (target, path) =>
      attempt("symlink", path, () => {
        const r = tree.resolve(path, false)
        if (r.node !== undefined)
          throw new TreeError("AlreadyExists", "EEXIST", `file already exists, symlink '${target}' -> '${path}'`)
        tree.writableDir(r.parent, path)
        tree.change(r.parent, [[r.name, tree.newLink(target)]])
      }),
    truncate: (path, length) =>
      attempt("truncate", path, () => {
        const { node } = openNode(path, "r+", 0, false)
        Bytes.truncate(asFile(node, path).content, length ?? 0)
      }),
    utimes: (path, _atime, mtime) =>
      attempt("utime", path, () => {
        tree.get(path, true).mtime = typeof mtime === "number" ? mtime * 1000 : mtime.getTime()
      }),
    watch: () => Stream.fail(unimplemented("watch")),
    writeFile
  })

  return {
    fs,
    tree,
    crash: (random) => tree.crash(random),
    syncAll: () => tree.syncAll(),
    bytesRead: () => tree.bytesRead,
    durableBytes: (path) => {
      try {
        const node = tree.get(path, false)
        return node.kind === "file" ? Bytes.durableBytes(node.content) : undefined
      } catch {
        return undefined
      }
    }
  }
}

/** Layer form: provides `FileSystem.FileSystem` backed by `memory`. */
export const layer = (memory: MemoryFileSystem): Layer.Layer<FileSystem.FileSystem> =>
  Layer.succeed(FileSystem.FileSystem, memory.fs)
