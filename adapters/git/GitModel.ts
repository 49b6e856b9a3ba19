/**
 * Pure pieces of the fake git model: trees as path → content maps, the status a worktree shows, the
 * paths two trees differ in, and a three-way merge on whole files (a conflict whenever both sides
 * changed a path differently from the merge base — coarser than git's line merge, never looser).
 */
import type { StatusEntry } from "./Porcelain.ts"

/** A tree: file path (relative, `/`-separated) → content. */
export type Tree = ReadonlyMap<string, string>

/** One commit of the fake. */
export interface FakeCommit {
  readonly id: string
  readonly parents: ReadonlyArray<string>
  readonly tree: Tree
  readonly message: string
}

const code = (from: string | undefined, to: string | undefined): string =>
  from === to ? "." : from === undefined ? "A" : to === undefined ? "D" : "M"

/**
 * What `git status --porcelain=v2 --untracked-files=all` shows for a worktree: one `1` entry per
 * tracked path whose HEAD, index and file differ, one `?` per file known to neither HEAD nor index.
 */
export const statusEntries = (head: Tree, index: Tree, files: Tree): ReadonlyArray<StatusEntry> => {
  const paths = [...new Set([...head.keys(), ...index.keys(), ...files.keys()])].sort()
  return paths.flatMap((path): ReadonlyArray<StatusEntry> => {
    const h = head.get(path)
    const i = index.get(path)
    const f = files.get(path)
    if (h === undefined && i === undefined) return [{ kind: "?", xy: "..", path }]
    if (h === i && i === f) return []
    return [{ kind: "1", xy: `${code(h, i)}${code(i, f)}`, path }]
  })
}

/** Paths whose content differs between two trees. */
export const diffPaths = (a: Tree, b: Tree): ReadonlyArray<string> =>
  [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort()

/** Whether two trees hold exactly the same files. */
export const sameTree = (a: Tree, b: Tree): boolean => a.size === b.size && diffPaths(a, b).length === 0

/** Three-way merge of whole files: the merged tree, or the conflicting paths (sorted). */
export const mergeTrees = (
  base: Tree,
  ours: Tree,
  theirs: Tree
): { readonly tree: Tree } | { readonly conflicts: ReadonlyArray<string> } => {
  const out = new Map<string, string>()
  const conflicts: Array<string> = []
  for (const path of new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])) {
    const b = base.get(path)
    const o = ours.get(path)
    const t = theirs.get(path)
    let result: string | undefined
    if (o === t) result = o
    else if (o === b) result = t
    else if (t === b) result = o
    else {
      conflicts.push(path)
      continue
    }
    if (result !== undefined) out.set(path, result)
  }
  return conflicts.length > 0 ? { conflicts: conflicts.sort() } : { tree: out }
}

/** Every ancestor of `id` (itself included). */
export const ancestorsOf = (commits: ReadonlyMap<string, FakeCommit>, id: string): ReadonlySet<string> => {
  const seen = new Set<string>()
  const stack = [id]
  while (stack.length > 0) {
    const next = stack.pop()!
    if (seen.has(next)) continue
    seen.add(next)
    for (const p of commits.get(next)?.parents ?? []) stack.push(p)
  }
  return seen
}

/** A merge base of `a` and `b`: the first common ancestor met walking back from `b` breadth-first. */
export const mergeBase = (commits: ReadonlyMap<string, FakeCommit>, a: string, b: string): string | undefined => {
  const ofA = ancestorsOf(commits, a)
  const queue = [b]
  const seen = new Set<string>()
  while (queue.length > 0) {
    const next = queue.shift()!
    if (ofA.has(next)) return next
    if (seen.has(next)) continue
    seen.add(next)
    queue.push(...(commits.get(next)?.parents ?? []))
  }
  return undefined
}
