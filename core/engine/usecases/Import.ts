/**
 * importState: read another orchestrator's persisted batch through an {@link ImportAdapter}, map it,
 * validate it, and (when asked) save it as `<repo>/.rekindle/<batchId>/state.json` so every rekindle
 * use-case — observe, plan, resume, repair, status, abort — works on it. The foreign files are only
 * read, never changed; an existing rekindle state for the same batch is never overwritten.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type { PlatformError } from "effect/PlatformError"
import * as Result from "effect/Result"
import type { BatchState } from "../../domain/State.ts"
import { StateStore } from "../../ports/StateStore.ts"
import { fail } from "../support/Errors.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { fromStoreError, saveState } from "../support/StateIO.ts"
import { ImportIoError, type ImportAdapter, type ImportIO } from "../../import/Foreign.ts"
import { toBatchState } from "../../import/Mapping.ts"

/** Options of {@link importState}. */
export interface ImportOptions {
  /** Save the mapped state under `<repo>/.rekindle/<batchId>/` (default false: only map and validate). */
  readonly save?: boolean
}

/** What an import produced. */
export interface ImportResult {
  readonly state: BatchState
  /** The adapter's name. */
  readonly source: string
  /** Path of the saved state.json, when `save` was asked. */
  readonly saved: string | undefined
}

/** Read-only file access for adapters, over the Effect FileSystem (real disk or the FakeWorld's). */
const importIO = (fs: FileSystem.FileSystem): ImportIO => {
  const run = <A>(effect: Effect.Effect<A, PlatformError>): Promise<A> =>
    Effect.runPromise(Effect.mapError(effect, (e) => new ImportIoError(e.message)))
  return {
    readText: (path) =>
      run(
        fs.readFileString(path).pipe(Effect.catchReason("PlatformError", "NotFound", () => Effect.succeed(undefined)))
      ),
    exists: (path) => run(fs.exists(path)),
    list: (dir) =>
      run(
        fs
          .readDirectory(dir)
          .pipe(Effect.catchReason("PlatformError", "NotFound", () => Effect.succeed([] as Array<string>)))
      )
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Keep `.rekindle/` out of the user's status: `.git/info/exclude`, never their .gitignore. */
const excludeStateDir = (fs: FileSystem.FileSystem, repoRoot: string) =>
  Effect.gen(function* () {
    const isDir = yield* fs.stat(`${repoRoot}/.git`).pipe(
      Effect.map((i) => i.type === "Directory"),
      Effect.orElseSucceed(() => false)
    )
    if (!isDir) return
    const exclude = `${repoRoot}/.git/info/exclude`
    const current = yield* fs.readFileString(exclude).pipe(Effect.orElseSucceed(() => ""))
    if (current.split("\n").some((l) => l.trim() === "/.rekindle/")) return
    yield* fs.makeDirectory(`${repoRoot}/.git/info`, { recursive: true }).pipe(Effect.ignore)
    yield* fs
      .writeFileString(exclude, `${current}${current === "" || current.endsWith("\n") ? "" : "\n"}/.rekindle/\n`)
      .pipe(Effect.ignore)
  })

/**
 * Import a foreign batch. Fails with E_NO_STATE (the adapter found nothing), E_IO (unreadable),
 * E_STATE_CORRUPT (undecodable or unmappable: `details.problems` lists every problem) or, when
 * saving, E_USAGE (rekindle already has state for that batch).
 */
export const importState = <F>(adapter: ImportAdapter<F>, options: ImportOptions = {}) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const where = `${adapter.name} state at ${adapter.location}`
    const foreign = yield* Effect.tryPromise({
      try: () => adapter.read(importIO(fs)),
      catch: (e) =>
        e instanceof ImportIoError
          ? fail("E_IO", `cannot read the ${where}: ${e.message}`, "check that the files exist and are readable")
          : fail(
              "E_STATE_CORRUPT",
              `cannot read the ${where}: ${messageOf(e)}`,
              "the foreign state was left untouched; check it is the format this adapter reads"
            )
    })
    if (foreign === undefined) {
      return yield* fail("E_NO_STATE", `no ${where}`, `is this the repository the ${adapter.name} batch ran in?`)
    }
    const mapped = yield* Effect.try({
      try: () => adapter.map(foreign),
      catch: (e) =>
        fail("E_STATE_CORRUPT", `cannot map the ${where}: ${messageOf(e)}`, "the foreign state was left untouched")
    })
    const decided = toBatchState(mapped)
    if (Result.isFailure(decided)) {
      const problems = decided.failure
      return yield* fail(
        "E_STATE_CORRUPT",
        `the ${where} cannot be imported: ${problems.length} problem(s): ${problems.join("; ")}`,
        "fix the adapter's mapping (or the foreign state); nothing was written",
        { problems }
      )
    }
    if (options.save !== true)
      return { state: decided.success, source: adapter.name, saved: undefined } satisfies ImportResult
    const path = batchPaths(mapped.repoRoot, decided.success.batchId).state
    const existing = yield* (yield* StateStore).load(path).pipe(Effect.mapError(fromStoreError))
    if (existing._tag === "Loaded") {
      return yield* fail(
        "E_USAGE",
        `rekindle already has state for batch ${decided.success.batchId} at ${path}`,
        "use that state (`rekindle status`), or move it away to import again; it was left untouched"
      )
    }
    yield* excludeStateDir(fs, decided.success.repoRoot)
    const state = yield* saveState(decided.success, yield* Clock.currentTimeMillis)
    return { state, source: adapter.name, saved: path } satisfies ImportResult
  }).pipe(Effect.withSpan("Import.importState"))
