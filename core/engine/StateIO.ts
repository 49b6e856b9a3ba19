/**
 * Loading and saving batch state for the use-cases: finding the batch (only / most recent /
 * ambiguous), mapping store failures to stable E_ codes, and refusing state whose paths escape the
 * repo before any action is taken.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type { BatchState } from "../domain/State.ts"
import { StateStore, type StateStoreError } from "../ports/StateStore.ts"
import { fail, type EngineError } from "./Errors.ts"
import { batchPaths, isInside, stateRoot } from "./Layout.ts"

/** Which batch a use-case acts on. `batchId` undefined: the only or most recent unfinished one. */
export interface BatchRef {
  readonly repoRoot: string
  readonly batchId?: string
}

/** Map a store failure to the user-facing error. */
export const fromStoreError = (e: StateStoreError): EngineError => {
  switch (e.reason) {
    case "Corrupt":
      return fail("E_STATE_CORRUPT", `state file ${e.path} is corrupt: ${e.message}`,
        "it was left untouched; inspect it, restore state.json.bak, or quarantine it", { path: e.path, byteOffset: e.byteOffset, fieldPath: e.fieldPath })
    case "Version":
      return fail("E_STATE_VERSION", e.message, "upgrade rekindle to read this state; the file was left untouched", { found: e.found, supported: e.supported })
    case "Unsafe":
      return fail("E_UNSAFE_PATH", e.message, "rekindle never follows a symlink or replaces a non-regular file at a state path")
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
}

/** Every batch of the repo whose state decodes (unreadable ones are skipped here, reported on use). */
export const listBatches = Effect.fn("StateIO.listBatches")(function*(repoRoot: string) {
  const fs = yield* FileSystem.FileSystem
  const store = yield* StateStore
  const names = yield* fs.readDirectory(stateRoot(repoRoot)).pipe(Effect.catch(() => Effect.succeed([] as Array<string>)))
  const out: Array<BatchEntry> = []
  for (const name of names.filter((n) => n !== "worktrees").sort()) {
    const loaded = yield* store.load(batchPaths(repoRoot, name).state).pipe(Effect.option)
    if (loaded._tag === "Some" && loaded.value._tag === "Loaded") {
      const s = loaded.value.state
      out.push({ batchId: s.batchId, phase: s.phase, updatedAt: s.updatedAt })
    }
  }
  return out.sort((a, b) => b.updatedAt - a.updatedAt)
})

/**
 * Resolve the batch id: the given one, else the only batch, else the only unfinished one, else the
 * most recent when all are finished. Several unfinished batches are ambiguous: the error lists them.
 */
export const resolveBatch = Effect.fn("StateIO.resolveBatch")(function*(ref: BatchRef) {
  if (ref.batchId !== undefined) return ref.batchId
  const all = yield* listBatches(ref.repoRoot)
  if (all.length === 0) {
    return yield* fail("E_NO_STATE", `no rekindle batch in ${ref.repoRoot}`, "start one with `rekindle run <manifest>`")
  }
  const open = all.filter((b) => b.phase !== "completed")
  if (all.length === 1) return all[0]!.batchId
  if (open.length === 1) return open[0]!.batchId
  if (open.length === 0) return all[0]!.batchId
  return yield* fail("E_AMBIGUOUS_BATCH", `${open.length} unfinished batches in ${ref.repoRoot}: ${open.map((b) => b.batchId).join(", ")}`,
    "name one: `rekindle <command> <batch>`", { batches: open })
})

/** Refuse a state whose recorded paths leave the repo (a hand-edited or hostile state file). */
export const checkPaths = (state: BatchState): Effect.Effect<BatchState, EngineError> => {
  const bad = state.tasks.flatMap((t) =>
    [t.worktree, t.doneMarker].flatMap((p) => (p === undefined || isInside(state.repoRoot, p) ? [] : [`${t.id}: ${p}`])))
  return bad.length === 0
    ? Effect.succeed(state)
    : Effect.fail(fail("E_UNSAFE_PATH", `state names paths outside the repo ${state.repoRoot}: ${bad.join(", ")}`,
      "rekindle acts only inside the repo; fix or quarantine the state file", { paths: bad }))
}

/** Load a batch's state: E_NO_STATE when missing, E_STATE_* when unreadable, E_UNSAFE_PATH when escaping. */
export const loadState = Effect.fn("StateIO.loadState")(function*(ref: BatchRef) {
  const batchId = yield* resolveBatch(ref)
  const store = yield* StateStore
  const path = batchPaths(ref.repoRoot, batchId).state
  const loaded = yield* store.load(path).pipe(Effect.mapError(fromStoreError))
  if (loaded._tag === "Missing") {
    return yield* fail("E_NO_STATE", `no state for batch ${batchId} in ${ref.repoRoot}`, "list batches with `rekindle status`")
  }
  if (loaded.state.repoRoot !== ref.repoRoot.replace(/\/+$/, "")) {
    return yield* fail("E_UNSAFE_PATH", `state of ${batchId} belongs to ${loaded.state.repoRoot}, not ${ref.repoRoot}`,
      "run rekindle from the repo the batch was started in")
  }
  return yield* checkPaths(loaded.state)
})

/** Persist `state` atomically (stamping `updatedAt`). */
export const saveState = Effect.fn("StateIO.saveState")(function*(state: BatchState, now: number) {
  const store = yield* StateStore
  const next: BatchState = { ...state, updatedAt: now }
  yield* store.save(batchPaths(state.repoRoot, state.batchId).state, next).pipe(Effect.mapError(fromStoreError))
  return next
})
