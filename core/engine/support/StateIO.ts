/**
 * Loading and saving batch state for the use-cases: finding the batch (only / most recent /
 * ambiguous), mapping store failures to stable E_ codes, and refusing state whose paths escape the
 * repo before any action is taken.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { SAFE_ID_PATTERN } from "../../domain/Ids.ts"
import type { BatchState } from "../../domain/State.ts"
import { StateStore, type StateStoreError } from "../../ports/StateStore.ts"
import { fail, type EngineError } from "./Errors.ts"
import { batchPaths, isInside, stateRoot } from "../../domain/Layout.ts"

/** Which batch a use-case acts on. `batchId` undefined: the only or most recent unfinished one. */
export interface BatchRef {
  readonly repoRoot: string
  readonly batchId?: string
}

/** Map a store failure to the user-facing error. */
export const fromStoreError = (e: StateStoreError): EngineError => {
  switch (e.reason) {
    case "Corrupt":
      return fail(
        "E_STATE_CORRUPT",
        `state file ${e.path} is corrupt: ${e.message}`,
        "it was left untouched; inspect it, restore state.json.bak, or quarantine it",
        { path: e.path, byteOffset: e.byteOffset, fieldPath: e.fieldPath }
      )
    case "Version":
      return fail("E_STATE_VERSION", e.message, "upgrade rekindle to read this state; the file was left untouched", {
        found: e.found,
        supported: e.supported
      })
    case "Unsafe":
      return fail(
        "E_UNSAFE_PATH",
        e.message,
        "rekindle never follows a symlink or replaces a non-regular file at a state path"
      )
    case "Io":
    case "Invalid":
      return fail("E_IO", e.message, "check free space and permissions of the .rekindle directory", { code: e.code })
  }
}

/** Summary of a batch found on disk. */
export interface BatchEntry {
  readonly batchId: string
  readonly phase: string
  readonly updatedAt: number
  /** The manifest it was started from, when recorded. */
  readonly manifest?: string
}

/** A batch directory whose state.json exists but cannot be used, with the error a command reports for it. */
export interface UnreadableBatch {
  readonly batchId: string
  readonly error: EngineError
}

/** Every batch directory of the repo: those whose state decodes (newest first) and those whose state does not. */
const scanBatches = Effect.fn("StateIO.scanBatches")(function* (repoRoot: string) {
  const fs = yield* FileSystem.FileSystem
  const store = yield* StateStore
  const names = yield* fs
    .readDirectory(stateRoot(repoRoot))
    .pipe(Effect.catch(() => Effect.succeed([] as Array<string>)))
  const readable: Array<BatchEntry> = []
  const unreadable: Array<UnreadableBatch> = []
  for (const name of names.filter((n) => n !== "worktrees").sort()) {
    const loaded = yield* Effect.result(store.load(batchPaths(repoRoot, name).state))
    if (loaded._tag === "Failure") unreadable.push({ batchId: name, error: fromStoreError(loaded.failure) })
    else if (loaded.success._tag === "Loaded") {
      const s = loaded.success.state
      readable.push({
        batchId: s.batchId,
        phase: s.phase,
        updatedAt: s.updatedAt,
        ...(s.manifest === undefined ? {} : { manifest: s.manifest })
      })
    }
  }
  return { readable: readable.sort((a, b) => b.updatedAt - a.updatedAt), unreadable }
})

/** Every batch of the repo whose state decodes (unreadable ones are skipped here, reported on use). */
export const listBatches = Effect.fn("StateIO.listBatches")(function* (repoRoot: string) {
  return (yield* scanBatches(repoRoot)).readable
})

/** The batches whose state.json exists but is corrupt, of a newer version, a symlink or not a file. */
export const unreadableBatches = Effect.fn("StateIO.unreadableBatches")(function* (repoRoot: string) {
  return (yield* scanBatches(repoRoot)).unreadable
})

/**
 * Resolve the batch id: the given one, else the only batch, else the only unfinished one, else the
 * most recent when all are finished. Several unfinished batches are ambiguous: the error lists them.
 */
export const resolveBatch = Effect.fn("StateIO.resolveBatch")(function* (ref: BatchRef) {
  if (ref.batchId !== undefined) {
    // A batch id names a directory under .rekindle/: `../x` or `a/b` would read a state from elsewhere.
    if (!SAFE_ID_PATTERN.test(ref.batchId)) {
      return yield* fail(
        "E_USAGE",
        `${JSON.stringify(ref.batchId)} is not a batch id (1-64 characters of [A-Za-z0-9_-], not starting with '-')`,
        "list the batches with `rekindle status`"
      )
    }
    return ref.batchId
  }
  const { readable: all, unreadable } = yield* scanBatches(ref.repoRoot)
  if (all.length === 0) {
    // A state that exists but cannot be read is reported as itself (E_STATE_CORRUPT…), never as "no batch, start one".
    if (unreadable[0] !== undefined) return yield* unreadable[0].error
    return yield* fail(
      "E_NO_STATE",
      `no rekindle batch in ${ref.repoRoot}`,
      "import your orchestrator's batch with `rekindle import <source>`, or start one with `rekindle run <manifest>`"
    )
  }
  const open = all.filter((b) => b.phase !== "completed")
  if (all.length === 1) return all[0]!.batchId
  if (open.length === 1) return open[0]!.batchId
  if (open.length === 0) return all[0]!.batchId
  return yield* fail(
    "E_AMBIGUOUS_BATCH",
    `${open.length} unfinished batches in ${ref.repoRoot}: ${open.map((b) => b.batchId).join(", ")}`,
    "name one: `rekindle <command> <batch>`",
    { batches: open }
  )
})

/** Refuse a state whose recorded paths leave the repo (a hand-edited or hostile state file). */
export const checkPaths = (state: BatchState): Effect.Effect<BatchState, EngineError> => {
  // An imported batch's worktrees may lie in the host's worktree root, and a done marker only inside
  // its task's own worktree there (a taskplane lane's `.DONE`), never anywhere else in it.
  const inWorktreeRoot = (p: string) => state.worktreeRoot !== undefined && isInside(state.worktreeRoot, p)
  const ownPlace = (t: BatchState["tasks"][number], p: string) =>
    p === t.worktree || (t.worktree !== undefined && isInside(t.worktree, p))
  const bad = state.tasks.flatMap((t) =>
    [t.worktree, t.doneMarker, ...(t.otherDoneMarkers ?? [])].flatMap((p) =>
      p === undefined || isInside(state.repoRoot, p) || (ownPlace(t, p) && inWorktreeRoot(p)) ? [] : [`${t.id}: ${p}`]
    )
  )
  return bad.length === 0
    ? Effect.succeed(state)
    : Effect.fail(
        fail(
          "E_UNSAFE_PATH",
          `state names paths outside the repo ${state.repoRoot}: ${bad.join(", ")}`,
          "rekindle acts only inside the repo; fix or quarantine the state file",
          { paths: bad }
        )
      )
}

/** `base` (a real path) with `segments` applied the way `mkdir -p` would: `..` pops, `.` and empty stay. */
const applySegments = (base: string, segments: ReadonlyArray<string>): string => {
  const parts = base.split("/").filter((p) => p !== "")
  for (const seg of segments) {
    if (seg === "" || seg === ".") continue
    if (seg === "..") parts.pop()
    else parts.push(seg)
  }
  return `/${parts.join("/")}`
}

/**
 * Where `path` really leads: its deepest existing ancestor resolved by the kernel (symlinks and `..`
 * as git, tmux and the agent will meet them), the missing rest applied on top. `undefined` for a
 * dangling symlink or a loop: whoever creates the path would follow it to a place nobody checked.
 */
const realDestination = (fs: FileSystem.FileSystem, path: string): Effect.Effect<string | undefined> =>
  Effect.gen(function* () {
    let head = path
    const rest: Array<string> = []
    for (;;) {
      const real = yield* fs.realPath(head).pipe(Effect.option)
      if (real._tag === "Some") return applySegments(real.value, rest)
      if ((yield* fs.readLink(head).pipe(Effect.option))._tag === "Some") return undefined
      const cut = head.lastIndexOf("/")
      if (cut <= 0) return applySegments("/", [head.slice(cut + 1), ...rest])
      rest.unshift(head.slice(cut + 1))
      head = head.slice(0, cut)
    }
  })

/**
 * Real destinations for the many paths of one state, memoised per path prefix: a component costs one
 * `readLink` (is it a symlink?), and the task paths share their parents. The walk per path above
 * costs a failing `realPath` and a `readLink` per missing level, which for 100 archived worktrees
 * was thousands of file-system calls and most of a cold `rekindle status`. Paths that are not plain
 * absolute paths (`.`, `..`, `//`) take that walk.
 */
const realResolver = (fs: FileSystem.FileSystem) => {
  const memo = new Map<string, string | undefined>()
  const resolve = (path: string): Effect.Effect<string | undefined> =>
    Effect.gen(function* () {
      if (path === "" || path === "/") return "/"
      if (memo.has(path)) return memo.get(path)
      let real: string | undefined
      if ((yield* fs.readLink(path).pipe(Effect.option))._tag === "Some") {
        // A symlink: where it really leads (undefined when it dangles).
        const target = yield* fs.realPath(path).pipe(Effect.option)
        real = target._tag === "Some" ? target.value : undefined
      } else {
        // Not a symlink (or not there): its parent's destination plus its own name.
        const cut = path.lastIndexOf("/")
        const parent = yield* resolve(path.slice(0, cut))
        real = parent === undefined ? undefined : `${parent === "/" ? "" : parent}/${path.slice(cut + 1)}`
      }
      memo.set(path, real)
      return real
    })
  return (path: string): Effect.Effect<string | undefined> => {
    const plain = path.replace(/\/+$/, "")
    return plain.startsWith("/") && !/\/\/|\/\.\.?(\/|$)/.test(plain) ? resolve(plain) : realDestination(fs, path)
  }
}

/**
 * Refuse a state whose recorded paths lie inside the repo as strings but lead out of it through a
 * symlink (a worktree moved elsewhere and linked back, a linked `.rekindle/worktrees/<batch>`…).
 */
export const checkRealPaths = Effect.fn("StateIO.checkRealPaths")(function* (state: BatchState) {
  const fs = yield* FileSystem.FileSystem
  const real = realResolver(fs)
  const root = (yield* real(state.repoRoot)) ?? state.repoRoot
  const bad: Array<string> = []
  // The batch directory itself (state, journal, lease, logs): with done markers in the worktrees no
  // task path runs through it.
  const dir = batchPaths(state.repoRoot, state.batchId).dir
  const realDir = yield* real(dir)
  if (realDir === undefined || !isInside(root, realDir))
    bad.push(`batch directory: ${dir} -> ${realDir ?? "a dangling symlink"}`)
  const worktreeRoot = state.worktreeRoot === undefined ? undefined : ((yield* real(state.worktreeRoot)) ?? undefined)
  for (const t of state.tasks) {
    for (const p of [t.worktree, t.doneMarker, ...(t.otherDoneMarkers ?? [])]) {
      if (p === undefined) continue
      const dest = yield* real(p)
      const allowed =
        dest !== undefined &&
        (isInside(root, dest) ||
          ((p === t.worktree || (t.worktree !== undefined && isInside(t.worktree, p))) &&
            worktreeRoot !== undefined &&
            isInside(worktreeRoot, dest)))
      if (!allowed) bad.push(`${t.id}: ${p} -> ${dest ?? "a dangling symlink"}`)
    }
  }
  if (bad.length === 0) return state
  return yield* fail(
    "E_UNSAFE_PATH",
    `state names paths that lead outside the repo ${state.repoRoot} through a symlink: ${bad.join(", ")}`,
    "rekindle acts only inside the repo; replace the symlink by the real directory, or fix or quarantine the state file",
    { paths: bad }
  )
})

/** Load a batch's state: E_NO_STATE when missing, E_STATE_* when unreadable, E_UNSAFE_PATH when escaping. */
export const loadState = Effect.fn("StateIO.loadState")(function* (ref: BatchRef) {
  const batchId = yield* resolveBatch(ref)
  const store = yield* StateStore
  const path = batchPaths(ref.repoRoot, batchId).state
  const loaded = yield* store.load(path).pipe(Effect.mapError(fromStoreError))
  if (loaded._tag === "Missing") {
    return yield* fail(
      "E_NO_STATE",
      `no state for batch ${batchId} in ${ref.repoRoot}`,
      "list the repo's batches with `rekindle list`"
    )
  }
  if (loaded.state.repoRoot !== ref.repoRoot.replace(/\/+$/, "")) {
    return yield* fail(
      "E_UNSAFE_PATH",
      `state of ${batchId} belongs to ${loaded.state.repoRoot}, not ${ref.repoRoot}`,
      "run rekindle from the repo the batch was started in"
    )
  }
  return yield* checkRealPaths(yield* checkPaths(loaded.state))
})

/** Persist `state` atomically (stamping `updatedAt`). */
export const saveState = Effect.fn("StateIO.saveState")(function* (state: BatchState, now: number) {
  const store = yield* StateStore
  const next: BatchState = { ...state, updatedAt: now }
  yield* store.save(batchPaths(state.repoRoot, state.batchId).state, next).pipe(Effect.mapError(fromStoreError))
  return next
})
