/**
 * Pure parsers (and their inverse renderers, for round-trip properties) for git's NUL-separated
 * porcelain formats. With `-z` git never quotes: a path may hold spaces, tabs, quotes, newlines —
 * anything but NUL — so every split happens on NUL, and a path is always "the rest of the field".
 */
import type { WorktreeInfo } from "../../core/domain/Signals.ts"
import type { WorktreeStatus } from "../../core/ports/Worktrees.ts"
import { isNullId, shortBranch } from "./RefNames.ts"

/**
 * Parse `git worktree list --porcelain -z`: records of `key[ value]` fields, each NUL-terminated,
 * a record ending with an empty field. Unknown keys are ignored (newer git may add some); an unborn
 * HEAD (all zeros) is reported as no head; lock and prune reasons are dropped.
 */
export const parseWorktreeList = (raw: string): ReadonlyArray<WorktreeInfo> => {
  const out: Array<WorktreeInfo> = []
  let current: { -readonly [K in keyof WorktreeInfo]: WorktreeInfo[K] } | undefined
  const flush = () => {
    if (current !== undefined) out.push(current)
    current = undefined
  }
  for (const field of raw.split("\0")) {
    if (field === "") {
      flush()
      continue
    }
    const space = field.indexOf(" ")
    const key = space < 0 ? field : field.slice(0, space)
    const value = space < 0 ? "" : field.slice(space + 1)
    if (key === "worktree") {
      flush()
      current = { path: value, bare: false, detached: false, locked: false, prunable: false }
      continue
    }
    if (current === undefined) continue
    if (key === "HEAD" && !isNullId(value)) current.head = value
    else if (key === "branch") current.branch = shortBranch(value)
    else if (key === "bare") current.bare = true
    else if (key === "detached") current.detached = true
    else if (key === "locked") current.locked = true
    else if (key === "prunable") current.prunable = true
  }
  flush()
  return out
}

/** Render worktrees as `git worktree list --porcelain -z` would (inverse of {@link parseWorktreeList}). */
export const renderWorktreeList = (worktrees: ReadonlyArray<WorktreeInfo>): string =>
  worktrees
    .map((w) => {
      const fields = [`worktree ${w.path}`]
      if (w.bare) fields.push("bare")
      if (w.head !== undefined) fields.push(`HEAD ${w.head}`)
      if (w.branch !== undefined) fields.push(`branch refs/heads/${w.branch}`)
      if (w.detached) fields.push("detached")
      if (w.locked) fields.push("locked")
      if (w.prunable) fields.push("prunable gitdir file points to non-existent location")
      return fields.map((f) => `${f}\0`).join("") + "\0"
    })
    .join("")

/** One entry of `git status --porcelain=v2 -z`. */
export interface StatusEntry {
  /** `1` ordinary change, `2` rename/copy, `u` unmerged, `?` untracked, `!` ignored. */
  readonly kind: "1" | "2" | "u" | "?" | "!"
  /** The two-letter XY code (`..` for untracked and ignored). */
  readonly xy: string
  readonly path: string
  /** Original path of a rename or copy. */
  readonly origPath?: string
}

// Space-separated fields before the path: `1 XY sub mH mI mW hH hI path` and so on.
const FIELDS_BEFORE_PATH = { "1": 8, "2": 9, u: 10 } as const

const afterFields = (line: string, n: number): string | undefined => {
  let at = 0
  for (let i = 0; i < n; i++) {
    const next = line.indexOf(" ", at)
    if (next < 0) return undefined
    at = next + 1
  }
  return line.slice(at)
}

/**
 * Parse `git status --porcelain=v2 -z`. A rename (`2`) is followed by its original path as the next
 * NUL-separated field. Header lines (`# …`) and malformed entries are skipped.
 */
export const parseStatusV2 = (raw: string): ReadonlyArray<StatusEntry> => {
  const fields = raw.split("\0")
  const out: Array<StatusEntry> = []
  for (let i = 0; i < fields.length; i++) {
    const line = fields[i]!
    const kind = line.slice(0, 1)
    if (kind === "?" || kind === "!") {
      if (line.length > 2) out.push({ kind, xy: "..", path: line.slice(2) })
    } else if (kind === "1" || kind === "2" || kind === "u") {
      const path = afterFields(line, FIELDS_BEFORE_PATH[kind])
      if (path === undefined || path === "") continue
      const xy = line.slice(2, 4)
      if (kind === "2") {
        i += 1
        out.push({ kind, xy, path, origPath: fields[i] ?? "" })
      } else {
        out.push({ kind, xy, path })
      }
    }
  }
  return out
}

const OID = "0123456789abcdef0123456789abcdef01234567"

/** Render entries as git would (inverse of {@link parseStatusV2}; mode/hash fields are placeholders). */
export const renderStatusV2 = (entries: ReadonlyArray<StatusEntry>): string =>
  entries
    .map((e) => {
      switch (e.kind) {
        case "?":
        case "!":
          return `${e.kind} ${e.path}\0`
        case "1":
          return `1 ${e.xy} N... 100644 100644 100644 ${OID} ${OID} ${e.path}\0`
        case "2":
          return `2 ${e.xy} N... 100644 100644 100644 ${OID} ${OID} R100 ${e.path}\0${e.origPath ?? ""}\0`
        case "u":
          return `u ${e.xy} N... 100644 100644 100644 100644 ${OID} ${OID} ${OID} ${e.path}\0`
      }
    })
    .join("")

/** Summarise entries: ignored files never count; untracked files count one each. */
export const summarizeStatus = (entries: ReadonlyArray<StatusEntry>): WorktreeStatus => {
  const untracked = entries.filter((e) => e.kind === "?").length
  const changed = entries.filter((e) => e.kind === "1" || e.kind === "2" || e.kind === "u").length
  return { dirty: untracked + changed > 0, untracked, changed }
}

/** Split NUL-terminated output (`-z`) into its items, dropping the empty tail. */
export const splitNul = (raw: string): ReadonlyArray<string> => raw.split("\0").filter((s) => s !== "")
