/**
 * A minimal in-memory Effect FileSystem for the AgentLauncher and LogTail fakes, until the shared
 * adapters/fs/MemoryFileSystem.ts lands. POSIX-like where the adapters can tell: an open handle
 * keeps reading its inode after the path is replaced or removed, files are sparse (a 1 GiB log costs
 * nothing until written), and `bytesRead` counts every byte any handle read, so a test can prove a
 * reader seeks instead of reading from the start.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as ByteSize from "effect/ByteSize"
import * as Option from "effect/Option"
import * as PlatformError from "effect/PlatformError"
import * as nodePath from "node:path"

const CHUNK = 64 * 1024

/** Sparse bytes in fixed chunks: unwritten ranges read as zeros. */
class Inode {
  size = 0
  mtime = 0
  private readonly chunks = new Map<number, Uint8Array>()
  read(pos: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.size - pos))
    const out = new Uint8Array(n)
    for (let done = 0; done < n; ) {
      const at = pos + done
      const take = Math.min(CHUNK - (at % CHUNK), n - done)
      const chunk = this.chunks.get(Math.floor(at / CHUNK))
      if (chunk !== undefined) out.set(chunk.subarray(at % CHUNK, (at % CHUNK) + take), done)
      done += take
    }
    return out
  }
  write(pos: number, bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) {
      const at = pos + done
      const take = Math.min(CHUNK - (at % CHUNK), bytes.length - done)
      const index = Math.floor(at / CHUNK)
      const chunk = this.chunks.get(index) ?? new Uint8Array(CHUNK)
      chunk.set(bytes.subarray(done, done + take), at % CHUNK)
      this.chunks.set(index, chunk)
      done += take
    }
    this.size = Math.max(this.size, pos + bytes.length)
  }
  truncate(len: number): void {
    for (const index of [...this.chunks.keys()]) if (index * CHUNK >= len) this.chunks.delete(index)
    const last = this.chunks.get(Math.floor(len / CHUNK))
    if (last !== undefined) last.fill(0, len % CHUNK)
    this.size = len
  }
}

const fail = (tag: "NotFound" | "AlreadyExists" | "BadResource" | "Unknown", method: string, path: string) =>
  Effect.fail(PlatformError.systemError({ _tag: tag, module: "FileSystem", method, pathOrDescriptor: path }))

/** The in-memory world: drivers act on it directly, `fs` is what adapters see. */
export class MemFs {
  /** Total bytes returned by reads through any handle (never by drivers). */
  bytesRead = 0
  private readonly files = new Map<string, Inode>()
  private readonly dirs = new Set<string>(["/"])
  private clock = 1_750_000_000_000
  private temps = 0
  readonly fs: FileSystem.FileSystem

  constructor() {
    this.fs = this.build()
  }

  private norm(p: string): string {
    return nodePath.posix.resolve("/", p)
  }

  private parentExists(p: string): boolean {
    return this.dirs.has(nodePath.posix.dirname(p))
  }

  /** Driver: create parent directories. */
  mkdirp(p: string): void {
    let cur = this.norm(p)
    while (!this.dirs.has(cur)) {
      this.dirs.add(cur)
      cur = nodePath.posix.dirname(cur)
    }
  }

  /** Driver: replace the file at `p` (a NEW inode, like write-then-rename), creating parents. */
  writeFile(p: string, data: string | Uint8Array): void {
    const path = this.norm(p)
    this.mkdirp(nodePath.posix.dirname(path))
    const node = new Inode()
    node.write(0, typeof data === "string" ? new TextEncoder().encode(data) : data)
    node.mtime = ++this.clock
    this.files.set(path, node)
  }

  /** Driver: append to the existing inode (what a log writer does). */
  append(p: string, data: string | Uint8Array): void {
    const node = this.files.get(this.norm(p))
    if (node === undefined) {
      this.writeFile(p, data)
      return
    }
    node.write(node.size, typeof data === "string" ? new TextEncoder().encode(data) : data)
    node.mtime = ++this.clock
  }

  /** Driver: truncate or extend (sparse) in place. */
  truncate(p: string, len: number): void {
    this.files.get(this.norm(p))?.truncate(len)
  }

  /** Driver: unlink. */
  remove(p: string): void {
    this.files.delete(this.norm(p))
  }

  private info(type: FileSystem.File.Type, node: Inode | undefined): FileSystem.File.Info {
    return {
      type,
      mtime: Option.some(new Date(node?.mtime ?? this.clock)),
      atime: Option.none(),
      birthtime: Option.none(),
      dev: 0n,
      ino: Option.none(),
      mode: type === "Directory" ? 0o755 : 0o644,
      nlink: Option.none(),
      uid: Option.none(),
      gid: Option.none(),
      rdev: Option.none(),
      size: ByteSize.bytes(node?.size ?? 0),
      blksize: Option.none(),
      blocks: Option.none()
    }
  }

  private stat(method: string, p: string) {
    const path = this.norm(p)
    const node = this.files.get(path)
    if (node !== undefined) return Effect.succeed(this.info("File", node))
    if (this.dirs.has(path)) return Effect.succeed(this.info("Directory", undefined))
    return fail("NotFound", method, p)
  }

  private handle(node: Inode, append: boolean): FileSystem.File {
    let cursor = 0
    const readAt = (size: number, position: bigint | undefined) => {
      const at = position === undefined ? cursor : Number(position)
      const bytes = node.read(at, size)
      this.bytesRead += bytes.length
      if (position === undefined) cursor += bytes.length
      return bytes
    }
    const write = (bytes: Uint8Array) => {
      node.write(append ? node.size : cursor, bytes)
      if (!append) cursor += bytes.length
      node.mtime = ++this.clock
      return bytes.length
    }
    return {
      [FileSystem.FileTypeId]: FileSystem.FileTypeId,
      stat: Effect.sync(() => this.info("File", node)),
      seek: (offset, from) =>
        Effect.sync(() => {
          cursor = from === "start" ? Number(offset) : cursor + Number(offset)
          return BigInt(cursor)
        }),
      sync: Effect.void,
      read: (buffer, options) =>
        Effect.sync(() => {
          const bytes = readAt(buffer.length, options?.position)
          buffer.set(bytes)
          return bytes.length
        }),
      readAlloc: (size, options) =>
        Effect.sync(() => {
          const bytes = readAt(size, options?.position)
          return bytes.length === 0 ? Option.none() : Option.some(bytes)
        }),
      truncate: (length) => Effect.sync(() => node.truncate(length ?? 0)),
      write: (buffer) => Effect.sync(() => write(buffer)),
      writeAll: (buffer) => Effect.sync(() => void write(buffer))
    }
  }

  private build(): FileSystem.FileSystem {
    return FileSystem.make({
      ...FileSystem.makeNoop({}),
      access: (p) => Effect.asVoid(this.stat("access", p)),
      stat: (p) => this.stat("stat", p),
      lstat: (p) => this.stat("lstat", p),
      readLink: (p) => fail("Unknown", "readLink", p),
      realPath: (p) => Effect.map(this.stat("realPath", p), () => this.norm(p)),
      readFile: (p) => {
        const node = this.files.get(this.norm(p))
        if (node === undefined) return fail("NotFound", "readFile", p)
        return Effect.sync(() => {
          const bytes = node.read(0, node.size)
          this.bytesRead += bytes.length
          return bytes
        })
      },
      writeFile: (p, data) =>
        Effect.suspend(() =>
          this.parentExists(this.norm(p))
            ? Effect.sync(() => this.writeFile(p, data))
            : fail("NotFound", "writeFile", p)
        ),
      makeDirectory: (p, options) =>
        Effect.suspend(() => {
          const path = this.norm(p)
          if (this.dirs.has(path))
            return options?.recursive === true ? Effect.void : fail("AlreadyExists", "makeDirectory", p)
          if (options?.recursive !== true && !this.parentExists(path)) return fail("NotFound", "makeDirectory", p)
          return Effect.sync(() => this.mkdirp(path))
        }),
      makeTempDirectory: () =>
        Effect.sync(() => {
          const dir = `/tmp/memfs-${++this.temps}`
          this.mkdirp(dir)
          return dir
        }),
      readDirectoryEntries: (p) =>
        Effect.suspend(() => {
          const dir = this.norm(p)
          if (!this.dirs.has(dir)) return fail("NotFound", "readDirectoryEntries", p)
          const entries: Array<FileSystem.DirectoryEntry> = []
          for (const d of this.dirs)
            if (d !== dir && nodePath.posix.dirname(d) === dir)
              entries.push({ name: nodePath.posix.basename(d), type: "Directory" })
          for (const f of this.files.keys())
            if (nodePath.posix.dirname(f) === dir) entries.push({ name: nodePath.posix.basename(f), type: "File" })
          return Effect.succeed(entries)
        }),
      readDirectory: (p) => Effect.map(this.fs.readDirectoryEntries(p), (es) => es.map((e) => e.name)),
      open: (p, options) =>
        Effect.suspend(() => {
          const path = this.norm(p)
          const flag = options?.flag ?? "r"
          const existing = this.files.get(path)
          if (this.dirs.has(path)) return fail("BadResource", "open", p)
          if (flag.includes("x") && existing !== undefined) return fail("AlreadyExists", "open", p)
          if (flag.startsWith("r"))
            return existing === undefined ? fail("NotFound", "open", p) : Effect.succeed(this.handle(existing, false))
          if (!this.parentExists(path)) return fail("NotFound", "open", p)
          const node = existing ?? new Inode()
          if (flag.startsWith("w")) node.truncate(0)
          this.files.set(path, node)
          return Effect.succeed(this.handle(node, flag.startsWith("a")))
        }),
      remove: (p, options) =>
        Effect.suspend(() => {
          const path = this.norm(p)
          if (this.files.delete(path)) return Effect.void
          if (this.dirs.has(path)) {
            for (const f of [...this.files.keys()]) if (f.startsWith(`${path}/`)) this.files.delete(f)
            for (const d of [...this.dirs]) if (d === path || d.startsWith(`${path}/`)) this.dirs.delete(d)
            return Effect.void
          }
          return options?.force === true ? Effect.void : fail("NotFound", "remove", p)
        }),
      rename: (from, to) =>
        Effect.suspend(() => {
          const node = this.files.get(this.norm(from))
          if (node === undefined) return fail("NotFound", "rename", from)
          this.files.delete(this.norm(from))
          this.files.set(this.norm(to), node)
          return Effect.void
        }),
      truncate: (p, length) =>
        Effect.suspend(() =>
          this.files.has(this.norm(p))
            ? Effect.sync(() => this.truncate(p, length ?? 0))
            : fail("NotFound", "truncate", p)
        )
    })
  }
}
