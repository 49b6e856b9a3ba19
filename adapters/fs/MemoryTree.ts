/**
 * The in-memory file tree behind MemoryFileSystem: inodes, POSIX path resolution (symlinks,
 * ELOOP), owner permission bits, and durability — every directory keeps its last fsynced entries and
 * the ordered list of changes since, every file the bytes its last fsync made durable. A simulated
 * power loss (`crash`) keeps only what was synced (or, given a random source, an ordered prefix of the
 * unsynced directory changes and a prefix of unsynced appends), which is what lets a test prove that
 * a writer fsyncs the file, renames, and fsyncs the directory.
 *
 * Errors are thrown as {@link TreeError}; MemoryFileSystem turns them into PlatformErrors.
 */
import type { SystemErrorTag } from "effect/PlatformError"
import type { FakeClock } from "../testing/World.ts"
import * as Bytes from "./MemoryBytes.ts"

/** A failed tree operation: the PlatformError tag and the errno name Node would report. */
export class TreeError extends Error {
  readonly tag: SystemErrorTag
  readonly code: string
  constructor(tag: SystemErrorTag, code: string, message: string) {
    super(`${code}: ${message}`)
    this.tag = tag
    this.code = code
  }
}

/** A regular file: its bytes now, and what its last fsync made durable. */
export interface FileNode {
  readonly kind: "file"
  readonly ino: bigint
  mode: number
  mtime: number
  content: Bytes.Content
}

/** One atomic change to a directory: entries set (node) or removed (undefined). */
type DirOp = ReadonlyArray<readonly [string, Node | undefined]>

/** A directory: current entries, the entries its last fsync made durable, and changes since. */
export interface DirNode {
  readonly kind: "dir"
  readonly ino: bigint
  mode: number
  mtime: number
  entries: Map<string, Node>
  durable: Map<string, Node>
  pending: Array<DirOp>
}

/** A symbolic link. */
interface LinkNode {
  readonly kind: "symlink"
  readonly ino: bigint
  readonly mode: number
  mtime: number
  readonly target: string
}

/** Any inode. */
export type Node = FileNode | DirNode | LinkNode

/** Where a path leads: its parent directory, last name, and the node there (if any). */
interface Resolved {
  readonly parent: DirNode
  readonly name: string
  readonly node: Node | undefined
  /** The path with every symlink before the last component resolved. */
  readonly path: string
}

/** Permission bits checked against the owner triplet (the fake machine has one user). */
export const R = 4
/** @see R */
export const W = 2
/** @see R */
const X = 1

const MAX_HOPS = 40

/** Lexically normalise an absolute path into components (`..` above the root stays at the root). */
export const components = (path: string): Array<string> => {
  const out: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") out.pop()
    else out.push(part)
  }
  return out
}

/** The tree. Options: `umask` (default 0o022), `enforcePermissions` (default true, like a non-root user). */
export class MemoryTree {
  readonly clock: FakeClock
  umask: number
  enforcePermissions: boolean
  /** Bumped by every crash: file handles opened before it are dead. */
  generation = 0
  /** Bytes returned by every read through the FileSystem (readFile and handles), so a test can prove a reader seeks. */
  bytesRead = 0
  root: DirNode
  private nextIno = 2n

  constructor(clock: FakeClock, options: { readonly umask?: number; readonly enforcePermissions?: boolean } = {}) {
    this.clock = clock
    this.umask = options.umask ?? 0o022
    this.enforcePermissions = options.enforcePermissions ?? true
    this.root = {
      kind: "dir",
      ino: 1n,
      mode: 0o755,
      mtime: clock.now(),
      entries: new Map(),
      durable: new Map(),
      pending: []
    }
  }

  /** Throw EACCES unless the owner bits of `node` grant `bits`. */
  check(node: Node, bits: number, what: string): void {
    if (this.enforcePermissions && ((node.mode >> 6) & bits) !== bits) {
      throw new TreeError("PermissionDenied", "EACCES", `permission denied, ${what}`)
    }
  }

  /** Resolve `path`; the last component is followed only when it is a symlink and `followLast`. */
  resolve(path: string, followLast: boolean): Resolved {
    let parts = components(path)
    let hops = 0
    for (;;) {
      if (parts.length === 0) return { parent: this.root, name: "", node: this.root, path: "/" }
      let dir = this.root
      const walked: Array<string> = []
      let restarted = false
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i]!
        const last = i === parts.length - 1
        this.check(dir, X, `search '/${walked.join("/")}'`)
        const node = dir.entries.get(name)
        if (node?.kind === "symlink" && (!last || followLast)) {
          if (++hops > MAX_HOPS) throw new TreeError("BadResource", "ELOOP", `too many symbolic links, '${path}'`)
          const base = node.target.startsWith("/") ? node.target : `/${walked.join("/")}/${node.target}`
          parts = [...components(base), ...parts.slice(i + 1)]
          restarted = true
          break
        }
        if (last) return { parent: dir, name, node, path: `/${[...walked, name].join("/")}` }
        if (node === undefined) throw new TreeError("NotFound", "ENOENT", `no such file or directory, '${path}'`)
        if (node.kind !== "dir") throw new TreeError("BadResource", "ENOTDIR", `not a directory, '${path}'`)
        dir = node
        walked.push(name)
      }
      if (!restarted) throw new TreeError("Unknown", "EINVAL", `cannot resolve '${path}'`)
    }
  }

  /** The node at `path` (following a final symlink when `follow`), or throw ENOENT. */
  get(path: string, follow: boolean): Node {
    const r = this.resolve(path, follow)
    if (r.node === undefined) throw new TreeError("NotFound", "ENOENT", `no such file or directory, '${path}'`)
    return r.node
  }

  /** Apply one atomic change to `dir` (recorded as pending until the directory is fsynced). */
  change(dir: DirNode, op: DirOp): void {
    for (const [name, node] of op) {
      if (node === undefined) dir.entries.delete(name)
      else dir.entries.set(name, node)
    }
    dir.pending.push(op)
    dir.mtime = this.clock.now()
  }

  /** Check that a new entry may be created or removed in `parent`. */
  writableDir(parent: DirNode, path: string): void {
    this.check(parent, W | X, `'${path}'`)
  }

  /** A fresh empty file node with `mode` (umask applied). */
  newFile(mode: number): FileNode {
    return {
      kind: "file",
      ino: this.nextIno++,
      mode: mode & 0o7777 & ~this.umask,
      mtime: this.clock.now(),
      content: Bytes.empty()
    }
  }

  /** A fresh empty directory node with `mode` (umask applied). */
  newDir(mode: number): DirNode {
    return {
      kind: "dir",
      ino: this.nextIno++,
      mode: mode & 0o7777 & ~this.umask,
      mtime: this.clock.now(),
      entries: new Map(),
      durable: new Map(),
      pending: []
    }
  }

  /** A fresh symlink node pointing at `target`. */
  newLink(target: string): LinkNode {
    return { kind: "symlink", ino: this.nextIno++, mode: 0o777, mtime: this.clock.now(), target }
  }

  /** fsync of a directory: its current entries become durable. */
  syncDir(dir: DirNode): void {
    dir.durable = new Map(dir.entries)
    dir.pending = []
  }

  /** sync(1): make the whole tree durable as it is now (test setup before a crash scenario). */
  syncAll(): void {
    const seen = new Set<Node>()
    const visit = (node: Node): void => {
      if (seen.has(node)) return
      seen.add(node)
      if (node.kind === "file") Bytes.sync(node.content)
      else if (node.kind === "dir") {
        this.syncDir(node)
        for (const child of node.entries.values()) visit(child)
      }
    }
    visit(this.root)
  }

  /**
   * Power loss. Without `random`, every unsynced change is lost. With it (a source of numbers in
   * [0, 1)), each directory keeps an ordered prefix of its unsynced changes and each file a prefix of
   * its unsynced appends — what a journaling file system may legitimately leave behind.
   */
  crash(random?: () => number): void {
    const pick = (n: number) => (random === undefined ? 0 : Math.min(n, Math.floor(random() * (n + 1))))
    const seen = new Set<Node>()
    const visit = (node: Node): void => {
      if (seen.has(node)) return
      seen.add(node)
      if (node.kind === "file") {
        node.content = Bytes.afterCrash(node.content, pick)
      } else if (node.kind === "dir") {
        const kept = pick(node.pending.length)
        const entries = new Map(node.durable)
        for (const op of node.pending.slice(0, kept)) {
          for (const [name, child] of op) {
            if (child === undefined) entries.delete(name)
            else entries.set(name, child)
          }
        }
        node.entries = entries
        this.syncDir(node)
        for (const child of entries.values()) visit(child)
      }
    }
    visit(this.root)
    this.generation += 1
  }
}
