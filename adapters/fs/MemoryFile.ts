/**
 * Open-file handles and stat records for MemoryFileSystem. A handle is a file descriptor: it keeps
 * pointing at its inode after a rename or unlink, appends go to the current end (O_APPEND), and it
 * dies with the "process" when the tree crashes (a handle from before a power loss is EBADF).
 */
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as PlatformError from "effect/PlatformError"
import * as Bytes from "./MemoryBytes.ts"
import { type DirNode, type FileNode, type MemoryTree, type Node, TreeError } from "./MemoryTree.ts"

/** Turn a thrown TreeError into the PlatformError Node's FileSystem would produce. */
const toPlatformError =
  (method: string, path: string | number) =>
  (e: unknown): PlatformError.PlatformError =>
    e instanceof TreeError
      ? PlatformError.systemError({
          _tag: e.tag,
          module: "FileSystem",
          method,
          pathOrDescriptor: path,
          description: e.message,
          cause: Object.assign(new Error(e.message), { code: e.code })
        })
      : PlatformError.badArgument({ module: "FileSystem", method, description: String(e), cause: e })

/** Run a synchronous tree operation as an Effect. */
export const attempt = <A>(
  method: string,
  path: string | number,
  f: () => A
): Effect.Effect<A, PlatformError.PlatformError> => Effect.try({ try: f, catch: toPlatformError(method, path) })

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const

/** The stat record of `node` (mode includes the file-type bits, like the real `st_mode`). */
export const info = (node: Node): FileSystem.File.Info => {
  const time = Option.some(new Date(node.mtime))
  const size = node.kind === "file" ? node.content.size : node.kind === "symlink" ? node.target.length : 4096
  return {
    type: node.kind === "file" ? "File" : node.kind === "dir" ? "Directory" : "SymbolicLink",
    mtime: time,
    atime: time,
    birthtime: time,
    dev: 1n,
    ino: Option.some(node.ino),
    mode: TYPE_BITS[node.kind] | node.mode,
    nlink: Option.none(),
    uid: Option.some(0),
    gid: Option.some(0),
    rdev: Option.none(),
    size: ByteSize.bytes(size),
    blksize: Option.none(),
    blocks: Option.none()
  }
}

/** How a handle was opened. */
export interface Access {
  readonly readable: boolean
  readonly writable: boolean
  readonly append: boolean
}

/** A file handle over `node`; `close` marks it closed (later use is EBADF). */
export const makeHandle = (
  tree: MemoryTree,
  node: FileNode | DirNode,
  access: Access,
  path: string
): FileSystem.File & { readonly close: () => void } => {
  const generation = tree.generation
  let closed = false
  let position = 0n
  const live = (): void => {
    if (closed || generation !== tree.generation)
      throw new TreeError("BadResource", "EBADF", `bad file descriptor (${path})`)
  }
  const asFile = (): FileNode => {
    if (node.kind !== "file")
      throw new TreeError("BadResource", "EISDIR", `illegal operation on a directory, '${path}'`)
    return node
  }
  const readAt = (buffer: Uint8Array, explicit: bigint | undefined): number => {
    live()
    if (!access.readable) throw new TreeError("BadResource", "EBADF", `not open for reading (${path})`)
    if (explicit !== undefined && explicit < 0n) throw new TreeError("Unknown", "EINVAL", "negative position")
    const at = explicit ?? position
    const n = Bytes.read(asFile().content, Number(at), buffer)
    tree.bytesRead += n
    if (explicit === undefined) position = at + BigInt(n)
    return n
  }
  const writeNow = (buffer: Uint8Array): number => {
    live()
    if (!access.writable) throw new TreeError("BadResource", "EBADF", `not open for writing (${path})`)
    const file = asFile()
    const at = access.append ? file.content.size : Number(position)
    Bytes.write(file.content, at, buffer)
    file.mtime = tree.clock.now()
    if (!access.append) position += BigInt(buffer.length)
    return buffer.length
  }
  return {
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    close: () => {
      closed = true
    },
    stat: attempt("stat", path, () => {
      live()
      return info(node)
    }),
    seek: (offset, from) =>
      attempt("seek", path, () => {
        live()
        const next = from === "start" ? offset : position + offset
        if (next < 0n) throw new TreeError("Unknown", "EINVAL", "cannot seek before the start of the file")
        position = next
        return next
      }),
    sync: attempt("sync", path, () => {
      live()
      if (node.kind === "file") Bytes.sync(node.content)
      else tree.syncDir(node)
    }),
    read: (buffer, options) => attempt("read", path, () => readAt(buffer, options?.position)),
    readAlloc: (size, options) =>
      attempt("readAlloc", path, () => {
        const buffer = new Uint8Array(size)
        const n = readAt(buffer, options?.position)
        return n === 0 ? Option.none() : Option.some(buffer.subarray(0, n))
      }),
    truncate: (length) =>
      attempt("truncate", path, () => {
        live()
        if (!access.writable) throw new TreeError("Unknown", "EINVAL", `not open for writing (${path})`)
        Bytes.truncate(asFile().content, length ?? 0)
        if (!access.append && position > BigInt(length ?? 0)) position = BigInt(length ?? 0)
      }),
    write: (buffer) => attempt("write", path, () => writeNow(buffer)),
    writeAll: (buffer) => attempt("writeAll", path, () => void writeNow(buffer))
  }
}
