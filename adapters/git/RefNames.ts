/**
 * Pure name checks shared by the real and the fake adapter, done before git sees a name so that a
 * value starting with `-` can never be read as an option and a hostile name fails the same way in both.
 */
import { SAFE_ID_PATTERN } from "../../core/domain/Ids.ts"

// Characters git refuses anywhere in a ref name (check-ref-format rule 4, 5 and 10).
const FORBIDDEN = /[\u0000-\u0020\u007f~^:?*[\\]/

/**
 * `git check-ref-format` for a full ref name (`refs/...`), without `--allow-onelevel`: no control
 * characters, space, `~^:?*[\`; no `..`, `@{`, `//`; no component starting with `.` or ending with
 * `.lock`; not ending with `/` or `.`; not `@`.
 */
const isValidRefName = (ref: string): boolean => {
  if (ref === "" || ref === "@" || ref.length > 1024) return false
  if (FORBIDDEN.test(ref) || ref.includes("..") || ref.includes("@{")) return false
  if (ref.startsWith("/") || ref.endsWith("/") || ref.endsWith(".")) return false
  const parts = ref.split("/")
  if (parts.length < 2) return false
  return parts.every((p) => p !== "" && !p.startsWith(".") && !p.endsWith(".lock"))
}

/**
 * A branch name as `git check-ref-format --branch` accepts it, and stricter: never starting with
 * `-` (git would take it as an option in places), never `HEAD` or `@` (git reads both as the
 * current HEAD), and at most 200 characters.
 */
export const isValidBranchName = (name: string): boolean =>
  name !== "" &&
  name.length <= 200 &&
  !name.startsWith("-") &&
  name !== "HEAD" &&
  name !== "@" &&
  isValidRefName(`refs/heads/${name}`)

/**
 * A revision rekindle passes on: a commit id, a branch, a full ref or `HEAD` with `^`/`~` suffixes.
 * Never starting with `-`, no whitespace or control characters, no `:` (`rev:path` names a blob).
 */
export const isSafeRev = (rev: string): boolean =>
  rev !== "" && rev.length <= 1024 && !rev.startsWith("-") && /^[^\u0000-\u0020\u007f:]+$/.test(rev)

/** Whether a path or message can be passed to git at all (argv cannot carry a NUL byte). */
export const isPassable = (s: string): boolean => !s.includes("\0")

/** A ref prefix for listing: `refs/…/`, itself a valid ref name once the last `/` is dropped. */
export const isValidRefPrefix = (prefix: string): boolean =>
  prefix.startsWith("refs/") &&
  prefix.endsWith("/") &&
  !/[*?[]/.test(prefix) &&
  (prefix === "refs/" || isValidRefName(prefix.slice(0, -1)))

/** The namespace of WIP snapshots of one task (or orphan label). */
export const wipPrefix = (task: string): string => `refs/rekindle/wip/${task}/`

/** Whether `task` may name a snapshot namespace (the task-id charset). */
export const isValidWipTask = (task: string): boolean => SAFE_ID_PATTERN.test(task)

/**
 * The next free snapshot ref: one more than the highest number already used under the task's
 * prefix (gaps are never reused, so a later snapshot always sorts after an earlier one).
 */
export const nextWipRef = (task: string, existing: ReadonlyArray<string>): string => {
  const prefix = wipPrefix(task)
  let max = 0
  for (const ref of existing) {
    if (!ref.startsWith(prefix)) continue
    const rest = ref.slice(prefix.length)
    if (/^[1-9][0-9]{0,8}$/.test(rest)) max = Math.max(max, Number(rest))
  }
  return `${prefix}${max + 1}`
}

/** `refs/heads/x` → `x`; any other ref is returned whole. */
export const shortBranch = (ref: string): string =>
  ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref

/** The all-zero id git prints for an unborn HEAD. */
export const isNullId = (s: string): boolean => /^0+$/.test(s)
