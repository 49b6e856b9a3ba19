/**
 * The Promise facade for callers without Effect: every use-case as a Promise of plain data, every
 * failure as one {@link RekindleError} carrying the CLI's stable `E_…` code, message and hint.
 *
 * This module knows the engine only; the services come from `engineFor(socket)`, so the same facade
 * runs on the live machine (`createRekindle`, composed with adapters/node.ts) or on a FakeWorld.
 * One ManagedRuntime per tmux socket: services are built on first use and released by `close()`.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as FileSystem from "effect/FileSystem"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Path from "effect/Path"
import type { Signals } from "./domain/Signals.ts"
import { abort, type AbortOptions, type AbortReport } from "./engine/usecases/Abort.ts"
import { clean, type CleanOptions, type CleanReport } from "./engine/usecases/Clean.ts"
import { list, type ListReport } from "./engine/usecases/List.ts"
import type { EngineError, ErrorCode } from "./engine/support/Errors.ts"
import { observe } from "./engine/support/Observe.ts"
import { plan, planState, type PlanReport } from "./engine/usecases/Plan.ts"
import { repair, type RepairOptions, type RepairReport } from "./engine/usecases/Repair.ts"
import { resume, type ResumeOptions, type ResumeResult } from "./engine/usecases/Resume.ts"
import { loadState, type BatchRef } from "./engine/support/StateIO.ts"
import { status, type StatusReport } from "./engine/usecases/Status.ts"
import type { ImportAdapter } from "./import/Foreign.ts"
import { importState, type ImportOptions, type ImportResult } from "./engine/usecases/Import.ts"
import type { AgentLauncher } from "./ports/AgentLauncher.ts"
import type { Journal } from "./ports/Journal.ts"
import type { LeaseStore } from "./ports/Lease.ts"
import type { LogTail } from "./ports/LogTail.ts"
import type { ProcessTable } from "./ports/ProcessTable.ts"
import type { StateStore } from "./ports/StateStore.ts"
import type { Tmux } from "./ports/Tmux.ts"
import type { Worktrees } from "./ports/Worktrees.ts"

/** Every code a {@link RekindleError} carries: the engine's, plus the two only a caller can meet. */
export type RekindleErrorCode = ErrorCode | "E_INTERNAL" | "E_INTERRUPTED" | "E_TIMEOUT"

/**
 * The one error the facade rejects with. `code` is the CLI's stable code (`E_NO_STATE`, `E_LOCKED`,
 * …; `E_INTERNAL` for a bug, `E_INTERRUPTED` after an abort signal), `hint` says what to do next,
 * `details` carries the structured facts `--json` prints (lease owner, problem list, candidates).
 */
export class RekindleError extends Error {
  override readonly name = "RekindleError"
  readonly code: RekindleErrorCode
  readonly hint: string
  readonly details: unknown
  constructor(
    code: RekindleErrorCode,
    message: string,
    hint: string,
    options: { readonly details?: unknown; readonly cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = hint
    this.details = options.details
  }
  /** The same shape as the CLI's `{ "error": … }` document. */
  toJSON(): {
    readonly code: RekindleErrorCode
    readonly message: string
    readonly hint: string
    readonly details?: unknown
  } {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.details === undefined ? {} : { details: this.details })
    }
  }
}

const isEngineError = (e: unknown): e is EngineError =>
  typeof e === "object" && e !== null && (e as { readonly _tag?: unknown })._tag === "EngineError"

/**
 * Hints in a library caller's words. An engine error's hint speaks to a CLI user (`run \`rekindle
 * resume --force\``); a Promise-facade caller has methods, not commands, so the facade rewrites each
 * CLI command its hints name into the call that does the same (`resume({ force: true })`), keeping the
 * command in brackets for a human reading a log. The code and message are never changed.
 */

/** A CLI command (its argv after `rekindle`) → the facade call doing the same, or undefined (CLI-only). */
const callFor = (argv: ReadonlyArray<string>): string | undefined => {
  const [verb, ...rest] = argv
  const force = rest.includes("--force")
  switch (verb) {
    case "resume":
      return force ? "resume({ force: true })" : "resume()"
    case "plan":
      return force ? "plan({ force: true })" : "plan()"
    case "status":
      return "status()"
    case "repair":
      return "repair({ dryRun: false })"
    case "abort":
      return "abort({ hard: false })"
    case "clean":
      return rest.includes("--dry-run") ? "clean({ dryRun: true })" : "clean({ dryRun: false })"
    case "list":
      return "list()"
    case "import":
      return rest.includes("--dry-run") ? "planImport(adapter)" : "importState(adapter, { save: true })"
    case "<command>":
      return "a call with `batchId` (per call, or createRekindle's option)"
    default:
      return undefined
  }
}

/** `hint` with every `` `rekindle …` `` a facade call can do rewritten as that call. */
const libraryHint = (hint: string): string =>
  hint.replace(/`rekindle ([^`]+)`/g, (whole, command: string) => {
    const call = callFor(command.trim().split(/\s+/))
    return call === undefined ? whole : `\`${call}\` (CLI: ${whole})`
  })

/** The RekindleError a failed call rejects with. */
export const toRekindleError = (cause: Cause.Cause<unknown>): RekindleError => {
  if (Cause.hasInterruptsOnly(cause)) {
    return new RekindleError(
      "E_INTERRUPTED",
      "the call was interrupted",
      "steps already taken are journaled; run it again to continue"
    )
  }
  const failure = Cause.findErrorOption(cause)
  const error: unknown = failure._tag === "Some" ? failure.value : Cause.squash(cause)
  if (error instanceof RekindleError) return error
  if (isEngineError(error))
    return new RekindleError(error.code, error.message, libraryHint(error.hint), {
      details: error.details,
      cause: error
    })
  const message = error instanceof Error ? error.message : String(error)
  return new RekindleError("E_INTERNAL", `internal error: ${message}`, "this is a bug in rekindle; please report it", {
    cause: error
  })
}

/**
 * The E_USAGE error for a `timeoutMs` that is not a whole number of milliseconds ≥ 0, else undefined:
 * AbortSignal.timeout would refuse it with a bare Node error. createRekindle checks the instance's at
 * once; every call checks its own.
 */
export const timeoutProblem = (limit: unknown): RekindleError | undefined =>
  limit === undefined || (typeof limit === "number" && Number.isInteger(limit) && limit >= 0)
    ? undefined
    : new RekindleError(
        "E_USAGE",
        `timeoutMs ${JSON.stringify(limit) ?? String(limit)} is not a whole number of milliseconds ≥ 0`,
        "pass timeoutMs as an integer (e.g. 60_000), or leave it out for no limit"
      )

/** Every service an engine use-case needs (the live layer and the FakeWorld both provide them). */
export type EngineServices =
  | Tmux
  | Worktrees
  | ProcessTable
  | StateStore
  | Journal
  | LeaseStore
  | AgentLauncher
  | LogTail
  | FileSystem.FileSystem
  | Path.Path

/** The engine services for one tmux socket (undefined: the user's default server). */
export type EngineLayerFor = (socket: string | undefined) => Layer.Layer<EngineServices, unknown>

/** Options of a rekindle instance. */
export interface RekindleOptions {
  /** The repository root (the git top level the batch was started in). */
  readonly repo: string
  /** Where batch state lives: rekindle keeps it in `<repo>/.rekindle` (the only supported value). */
  readonly stateDir?: string
  /** tmux socket (`tmux -L`); default the one recorded in the batch, else tmux's default server. */
  readonly tmuxSocket?: string
  /** The batch every call acts on; default the only (or only unfinished) batch of the repo. */
  readonly batchId?: string
  /** Default time limit of every call (see {@link CallOptions.timeoutMs}); default none. */
  readonly timeoutMs?: number
}

/** Per-call options. */
export interface CallOptions {
  /** Overrides the instance's batch. */
  readonly batchId?: string
  /** Aborting interrupts the call (finalizers run); it rejects with code E_INTERRUPTED. */
  readonly signal?: AbortSignal
  /**
   * A call still running after this many milliseconds is interrupted the same way and rejects with
   * E_TIMEOUT (steps already taken are journaled: calling again continues). Default the instance's.
   */
  readonly timeoutMs?: number
}

/** A rekindle instance: the use-cases as Promises. */
export interface Rekindle {
  /** The repository root this instance acts on. */
  readonly repo: string
  /** The live signals of the batch (tmux, processes, worktrees, markers), read-only. */
  readonly observe: (options?: CallOptions) => Promise<Signals>
  /** The recovery plan: decisions per task, resume point, ordered steps. Read-only. */
  readonly plan: (options?: CallOptions & { readonly force?: boolean }) => Promise<PlanReport>
  /** Take the lease, apply the plan, and (unless `supervise: false`) run the remaining waves. */
  readonly resume: (options?: CallOptions & ResumeOptions) => Promise<ResumeResult>
  /** Find orphans and vanished resources; with `dryRun: false`, snapshot and remove them. */
  readonly repair: (options: CallOptions & RepairOptions) => Promise<RepairReport>
  /** State joined with live signals, per task. Read-only. */
  readonly status: (options?: CallOptions) => Promise<StatusReport>
  /** Stop the batch's agents and mark it `stopped` (worktrees, branches and state kept). */
  readonly abort: (options: CallOptions & AbortOptions) => Promise<AbortReport>
  /**
   * End the batch's life: `dryRun: true` returns the steps and changes nothing (the preview); `dryRun:
   * false` carries them out under the lease — stop the sessions rekindle owns, snapshot dirty or
   * unmerged work to `refs/rekindle/wip/`, remove the worktrees and merged branches rekindle made
   * (the host's are kept), and archive the state under `.rekindle/.archive/`.
   */
  readonly clean: (options: CallOptions & CleanOptions) => Promise<CleanReport>
  /** Every batch of the repo — phase, task counts, its supervisor and whether it lives. Read-only. */
  readonly list: (options?: Pick<CallOptions, "signal" | "timeoutMs">) => Promise<ListReport>
  /**
   * Map another orchestrator's state; with `save: true`, store it as a rekindle batch; with
   * `mode: "refresh"`, lay it over the batch rekindle already saved (journal, lease, agent identities kept).
   */
  readonly importState: <F>(
    adapter: ImportAdapter<F>,
    options?: ImportOptions & Pick<CallOptions, "signal" | "timeoutMs">
  ) => Promise<ImportResult>
  /**
   * The recovery plan of another orchestrator's batch, in memory: map it (over rekindle's saved state
   * for it, when there is one, as a refresh would), observe and decide. Saves nothing.
   */
  readonly planImport: <F>(
    adapter: ImportAdapter<F>,
    options?: Pick<CallOptions, "signal" | "timeoutMs"> & { readonly force?: boolean }
  ) => Promise<PlanReport>
  /** Release every service (idempotent). */
  readonly close: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

type Runtime = ManagedRuntime.ManagedRuntime<EngineServices, unknown>

/**
 * Removal is never a default: a plain-JS caller of `clean` or `repair` that forgot `dryRun` is told (E_USAGE), not
 * acted for.
 */
const requireDryRun = (call: "clean" | "repair", options: { readonly dryRun?: unknown } | undefined): void => {
  if (typeof options?.dryRun !== "boolean")
    throw new RekindleError(
      "E_USAGE",
      `${call} needs \`dryRun\`: true to preview its steps, false to carry them out`,
      `call \`${call}({ dryRun: true })\` to see what would be stopped and removed, then \`${call}({ dryRun: false })\``
    )
}

/**
 * Build a rekindle instance over the engine services `engineFor(socket)` provides: a FakeWorld's
 * (`() => world.layer()`) in tests; `createRekindle` is this over the live layer.
 */
export const createRekindleWithLayer = (options: RekindleOptions, engineFor: EngineLayerFor): Rekindle => {
  const repo = options.repo.replace(/(.)\/+$/, "$1")
  const runtimes = new Map<string, Runtime>()
  let closed = false
  const runtimeFor = (socket: string | undefined): Runtime => {
    if (closed)
      throw new RekindleError("E_USAGE", "this rekindle instance is closed", "create a new one with createRekindle()")
    const key = socket ?? ""
    const hit = runtimes.get(key)
    if (hit !== undefined) return hit
    const made: Runtime = ManagedRuntime.make(engineFor(socket))
    runtimes.set(key, made)
    return made
  }
  const exec = async <A>(
    runtime: Runtime,
    effect: Effect.Effect<A, unknown, EngineServices>,
    call: Pick<CallOptions, "signal" | "timeoutMs"> | undefined
  ): Promise<A> => {
    const limit = call?.timeoutMs ?? options.timeoutMs
    const badLimit = timeoutProblem(limit)
    if (badLimit !== undefined) throw badLimit
    const timer = limit === undefined ? undefined : AbortSignal.timeout(limit)
    const given = call?.signal
    const signal = timer === undefined ? given : given === undefined ? timer : AbortSignal.any([given, timer])
    // An already-aborted signal never fires again: refuse before starting anything.
    if (signal?.aborted === true) throw toRekindleError(Cause.interrupt())
    const exit = await runtime.runPromiseExit(effect, signal === undefined ? undefined : { signal })
    if (Exit.isSuccess(exit)) return exit.value
    if (timer?.aborted === true && given?.aborted !== true && Cause.hasInterruptsOnly(exit.cause)) {
      throw new RekindleError(
        "E_TIMEOUT",
        `the call did not finish within ${limit} ms`,
        "steps already taken are journaled; call again (with a longer timeoutMs) to continue"
      )
    }
    throw toRekindleError(exit.cause)
  }
  const refOf = (call: CallOptions | undefined): BatchRef => {
    const batchId = call?.batchId ?? options.batchId
    return { repoRoot: repo, ...(batchId === undefined ? {} : { batchId }) }
  }
  /** Run a use-case on the batch's socket: the given one, else the one its state recorded. */
  const onBatch = async <A>(
    call: CallOptions | undefined,
    body: (ref: BatchRef) => Effect.Effect<A, unknown, EngineServices>
  ): Promise<A> => {
    const ref = refOf(call)
    const socket =
      options.tmuxSocket ??
      (await exec(
        runtimeFor(undefined),
        Effect.map(loadState(ref), (s) => s.options?.tmuxSocket),
        call
      ))
    return exec(runtimeFor(socket), body(ref), call)
  }
  const close = async (): Promise<void> => {
    closed = true
    const all = [...runtimes.values()]
    runtimes.clear()
    await Promise.all(all.map((r) => r.dispose()))
  }
  return {
    repo,
    observe: (call) => onBatch(call, (ref) => Effect.flatMap(loadState(ref), observe)),
    plan: (call) => onBatch(call, (ref) => plan(ref, { force: call?.force ?? false })),
    resume: (call) => onBatch(call, (ref) => resume(ref, engineOptions(call ?? {}))),
    repair: async (call) => {
      requireDryRun("repair", call)
      return onBatch(call, (ref) => repair(ref, engineOptions(call)))
    },
    status: (call) => onBatch(call, status),
    abort: (call) => onBatch(call, (ref) => abort(ref, engineOptions(call))),
    clean: async (call) => {
      requireDryRun("clean", call)
      return onBatch(call, (ref) => clean(ref, engineOptions(call)))
    },
    list: (call) => exec(runtimeFor(options.tmuxSocket), list(repo), call),
    importState: (adapter, call) =>
      exec(
        runtimeFor(options.tmuxSocket),
        importState(adapter, {
          ...(call?.save === undefined ? {} : { save: call.save }),
          ...(call?.mode === undefined ? {} : { mode: call.mode }),
          // The instance's socket is where the host's sessions are: recorded for every later command.
          ...(options.tmuxSocket === undefined ? {} : { tmuxSocket: options.tmuxSocket })
        }),
        call
      ),
    planImport: async (adapter, call) => {
      const mapped = await exec(
        runtimeFor(options.tmuxSocket),
        importState(adapter, {
          mode: "refresh",
          ...(options.tmuxSocket === undefined ? {} : { tmuxSocket: options.tmuxSocket })
        }),
        call
      )
      const socket = options.tmuxSocket ?? mapped.state.options?.tmuxSocket
      return exec(runtimeFor(socket), planState(mapped.state, { force: call?.force ?? false }), call)
    },
    close,
    [Symbol.asyncDispose]: close
  }
}

/** The engine's own options: the call options without the facade's. */
const engineOptions = <O extends CallOptions>(call: O): Omit<O, "batchId" | "signal" | "timeoutMs"> => {
  const { batchId: _b, signal: _s, timeoutMs: _t, ...rest } = call
  return rest
}
