/**
 * importState: read another orchestrator's persisted batch through an {@link ImportAdapter}, map it,
 * validate it, and (when asked) save it as `<repo>/.rekindle/<batchId>/state.json` so every rekindle
 * use-case — observe, plan, resume, repair, status, abort — works on it. The foreign files are only
 * read, never changed; an existing rekindle state for the same batch is never overwritten, only
 * refreshed when asked (core/import/Refresh.ts says what is kept).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Result from "effect/Result"
import type { BatchState } from "../../domain/State.ts"
import type { ProcessInfo } from "../../domain/Signals.ts"
import { ProcessTable, type ProcessTableShape } from "../../ports/ProcessTable.ts"
import { StateStore } from "../../ports/StateStore.ts"
import { fail, type EngineError } from "../support/Errors.ts"
import type { LeaseStore } from "../../ports/Lease.ts"
import { batchPaths } from "../../domain/Layout.ts"
import { fromStoreError, saveState } from "../support/StateIO.ts"
import {
  ImportIoError,
  ImportRefusedError,
  type ForeignBatch,
  type ForeignTask,
  type ImportAdapter,
  type ImportIO
} from "../../import/Foreign.ts"
import { toBatchState } from "../../import/Mapping.ts"
import { refreshState } from "../../import/Refresh.ts"
import type { ProcessIdentity } from "../../domain/Ids.ts"
import { withLease } from "../support/SupervisorLease.ts"

/** Options of {@link importState}. */
export interface ImportOptions {
  /** Save the mapped state under `<repo>/.rekindle/<batchId>/` (default false: only map and validate). */
  readonly save?: boolean
  /**
   * `create` (default): refuse when rekindle already has state for the batch. `refresh`: lay the
   * foreign state over the saved one, keeping what only rekindle knows (the journal and the lease
   * files, agent identities, attempts, history, log checkpoints, prompt and merge ledgers); it takes
   * the supervisor lease for the write (E_LOCKED while a supervisor runs). With `save`, it is saved;
   * without, the refreshed state is only returned. Without saved state, `refresh` imports afresh.
   */
  readonly mode?: "create" | "refresh"
  /**
   * The tmux socket (`tmux -L`) the batch's sessions live on, recorded in the state when the foreign batch names none,
   * so every later command — the CLI's too — observes that server and not the default one.
   */
  readonly tmuxSocket?: string
}

/** What an import produced. */
export interface ImportResult {
  readonly state: BatchState
  /** The adapter's name. */
  readonly source: string
  /** Path of the saved state.json, when `save` was asked. */
  readonly saved: string | undefined
  /** Whether the foreign state was laid over rekindle's saved state (`mode: "refresh"`). */
  readonly refreshed: boolean
}

/** The services {@link importState} uses (the live layer and the FakeWorld provide them all). */
export type ImportServices = FileSystem.FileSystem | StateStore | ProcessTable | LeaseStore

/**
 * Read-only access for adapters: files over the Effect FileSystem (real disk or the FakeWorld's), the
 * import's time, and the identity of a live process (one process-table snapshot, taken when first asked).
 */
const importIO = (
  fs: FileSystem.FileSystem,
  now = 0,
  processes?: ProcessTableShape,
  host = "unknown-host"
): ImportIO => {
  const run = <A, E extends { readonly message: string }>(effect: Effect.Effect<A, E>): Promise<A> =>
    Effect.runPromise(Effect.mapError(effect, (e) => new ImportIoError(e.message)))
  let snapshot: Promise<ReadonlyArray<ProcessInfo>> | undefined
  return {
    now,
    liveProcess: async (pid) => {
      if (processes === undefined) return undefined
      snapshot ??= run(processes.snapshot)
      const p = (await snapshot).find((x) => x.pid === pid)
      return p === undefined ? undefined : { pid: p.pid, startTime: p.startTime, host }
    },
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

/** An adapter's refusal: the first (most decisive) problem's code, every problem in `details.problems`. */
const refused = (where: string, e: ImportRefusedError) => {
  const code = e.problems[0]?.code ?? "E_STATE_CORRUPT"
  return fail(
    code,
    `the ${where} cannot be imported: ${e.problems.length} problem(s): ${e.message}`,
    code === "E_LOCKED" || code === "E_NOT_RESUMABLE"
      ? "its orchestrator may still be running it: wait for it to stop (or stop it), then import again; nothing was written"
      : "nothing was written; the foreign state was left untouched",
    { problems: e.problems.map((p) => p.message), refusals: e.problems }
  )
}

/**
 * Import a foreign batch. Fails with E_NO_STATE (the adapter found nothing), E_IO (unreadable),
 * E_STATE_CORRUPT (undecodable or unmappable: `details.problems` lists every problem), the code of an
 * adapter's refusal ({@link ImportRefusedError}: E_STATE_VERSION, E_NOT_RESUMABLE, E_LOCKED,
 * E_UNSUPPORTED; each problem with its code in `details.refusals`), when saving E_USAGE (rekindle
 * already has state for that batch and the mode is not `refresh`), and when refreshing E_LOCKED (a
 * supervisor holds the batch).
 */
export const importState = <F>(
  adapter: ImportAdapter<F>,
  options: ImportOptions = {}
): Effect.Effect<ImportResult, EngineError, ImportServices> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const procs = yield* ProcessTable
    const host = yield* procs.self.pipe(
      Effect.map((s) => s.host),
      Effect.orElseSucceed(() => "unknown-host")
    )
    const io = importIO(fs, yield* Clock.currentTimeMillis, procs, host)
    const where = `${adapter.name} state at ${adapter.location}`
    const foreign = yield* Effect.tryPromise({
      try: () => adapter.read(io),
      catch: (e) =>
        e instanceof ImportIoError
          ? fail("E_IO", `cannot read the ${where}: ${e.message}`, "check that the files exist and are readable")
          : e instanceof ImportRefusedError
            ? refused(where, e)
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
        e instanceof ImportRefusedError
          ? refused(where, e)
          : fail("E_STATE_CORRUPT", `cannot map the ${where}: ${messageOf(e)}`, "the foreign state was left untouched")
    })
    const onSocket =
      mapped.tmuxSocket === undefined && options.tmuxSocket !== undefined
        ? { ...mapped, tmuxSocket: options.tmuxSocket }
        : mapped
    const decided = toBatchState(onSocket, { agentIdentity: yield* agentIdentities(onSocket) })
    if (Result.isFailure(decided)) {
      const problems = decided.failure
      return yield* fail(
        "E_STATE_CORRUPT",
        `the ${where} cannot be imported: ${problems.length} problem(s): ${problems.join("; ")}`,
        "fix the adapter's mapping (or the foreign state); nothing was written",
        { problems }
      )
    }
    const paths = batchPaths(mapped.repoRoot, decided.success.batchId)
    const refresh = options.mode === "refresh"
    if (options.save !== true && !refresh)
      return { state: decided.success, source: adapter.name, saved: undefined, refreshed: false } satisfies ImportResult
    const body = Effect.gen(function* () {
      // A refresh writes under the lease, so it never races a supervisor applying the saved state.
      if (refresh && options.save === true) yield* withLease(paths.lease)
      const existing = yield* (yield* StateStore).load(paths.state).pipe(Effect.mapError(fromStoreError))
      if (existing._tag === "Loaded" && !refresh) {
        return yield* fail(
          "E_USAGE",
          `rekindle already has state for batch ${decided.success.batchId} at ${paths.state}`,
          'import again with `mode: "refresh"` to update it and keep its journal, lease and agent identities; it was left untouched'
        )
      }
      const refreshed = existing._tag === "Loaded"
      const next = refreshed ? refreshState(existing.state, decided.success) : decided.success
      if (options.save !== true) return { state: next, source: adapter.name, saved: undefined, refreshed }
      yield* excludeStateDir(fs, decided.success.repoRoot)
      const state = yield* saveState(next, yield* Clock.currentTimeMillis)
      return { state, source: adapter.name, saved: paths.state, refreshed } satisfies ImportResult
    })
    return yield* Effect.scoped(body)
  }).pipe(Effect.withSpan("Import.importState"))

/**
 * The identities of the agent processes the foreign batch recorded, as the process table knows them
 * now: a recorded pid that is not running (or runs with another start time: a reused pid) has none.
 */
const agentIdentities = (mapped: ForeignBatch) =>
  Effect.gen(function* () {
    const none = (): ProcessIdentity | undefined => undefined
    if (!mapped.tasks.some((t) => t.agentProcess !== undefined)) return none
    const procs = yield* ProcessTable
    const [table, self] = yield* Effect.all([procs.snapshot, procs.self]).pipe(
      Effect.mapError((e) =>
        fail("E_IO", `cannot read the process table: ${e.message}`, "the agents' processes decide what is alive")
      )
    )
    const byPid = new Map(table.map((p) => [p.pid, p] as const))
    return (t: ForeignTask): ProcessIdentity | undefined => {
      const given = t.agentProcess
      const live = given === undefined ? undefined : byPid.get(given.pid)
      if (given === undefined || live === undefined) return undefined
      if (given.startTime !== undefined && given.startTime !== live.startTime) return undefined
      return { pid: live.pid, startTime: live.startTime, host: self.host }
    }
  })
