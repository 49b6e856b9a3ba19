/**
 * run: start a batch from a manifest. The base branch is the branch checked out now (a detached HEAD
 * is refused); the full state — every task, lane, planned session, worktree and branch — is persisted
 * BEFORE anything is launched; then the wave executor runs it under the supervisor lease.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import { MANIFEST_DEFAULTS, validateManifest, type Manifest, type ValidManifest } from "../../domain/Manifest.ts"
import { branchFor, sessionNameFor, worktreeFor } from "../../domain/Naming.ts"
import type { BatchState, Lane, Task } from "../../domain/State.ts"
import { AgentLauncher } from "../../ports/AgentLauncher.ts"
import { Worktrees } from "../../ports/Worktrees.ts"
import { fail } from "../support/Errors.ts"
import { continueFrom } from "../waves/WaveLoop.ts"
import { batchPaths, stateRoot } from "../../domain/Layout.ts"
import { listBatches, saveState } from "../support/StateIO.ts"
import { withLease } from "../support/SupervisorLease.ts"

/** Options of {@link run}. */
export interface RunOptions {
  readonly repoRoot: string
  readonly manifestPath: string
  /**
   * The tmux socket (`tmux -L`) the batch runs on when the manifest names none (`rekindle run
   * --socket`): recorded in the state like a manifest's own, so every later command finds the
   * batch's sessions without being told again. A manifest's `tmuxSocket` must agree with it.
   */
  readonly tmuxSocket?: string
  /**
   * Start another batch of a manifest that has an unfinished batch in the repo, on purpose (`run
   * --new`). Without it `run` refuses (E_UNFINISHED_BATCH): the usual intent is `resume`.
   */
  readonly allowNew?: boolean
}

/** Phases of a batch that is not over: its work may still be resumed. */
const UNFINISHED: ReadonlySet<string> = new Set(["executing", "merging", "paused", "stopped"])

const invalid = (problems: ReadonlyArray<string>, path: string) =>
  fail(
    "E_INVALID_MANIFEST",
    `${path}: ${problems.length} problem(s): ${problems.join("; ")}`,
    "fix every listed problem; `rekindle schema manifest` prints the format",
    { problems }
  )

/** Why a file could not be read, in words (not the platform error's tag). */
const readProblem = (e: { readonly message: string }): string =>
  /NotFound/.test(e.message) ? "no such file" : /PermissionDenied/.test(e.message) ? "permission denied" : e.message

/** A manifest read by {@link readManifest}: valid, its waves planned, every prompt's text by task id. */
export interface ManifestRead extends ValidManifest {
  readonly prompts: ReadonlyMap<string, string>
}

/** Read, parse and validate a manifest file; prompts given as files are read (relative to it). */
export const readManifest = Effect.fn("Run.readManifest")(function* (manifestPath: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const text = yield* fs
    .readFileString(manifestPath)
    .pipe(
      Effect.mapError((e) =>
        fail(
          "E_INVALID_MANIFEST",
          `${manifestPath}: cannot read it: ${readProblem(e)}`,
          "check the manifest's path (relative paths start at the current directory)"
        )
      )
    )
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    // V8 says "… in JSON at position 27 (line 3 column 14)": lead with file:line:column, as editors do.
    const message = e instanceof Error ? e.message : String(e)
    const at = /\(line (\d+) column (\d+)\)/.exec(message)
    const where = at === null ? manifestPath : `${manifestPath}:${at[1]}:${at[2]}`
    return yield* fail(
      "E_INVALID_MANIFEST",
      `${where}: not JSON: ${message.replace(/ in JSON at position \d+ \(line \d+ column \d+\)$/, "")}`,
      "fix the JSON syntax at that line and column; `rekindle schema manifest` prints the format",
      { problems: [`not JSON: ${message}`] }
    )
  }
  const valid = validateManifest(json)
  if (Result.isFailure(valid)) return yield* invalid(valid.failure, manifestPath)
  const dir = path.dirname(path.resolve(manifestPath))
  const prompts = new Map<string, string>()
  const missing: Array<string> = []
  for (const t of valid.success.manifest.tasks) {
    if (typeof t.prompt === "string") prompts.set(t.id, t.prompt)
    else {
      const file = path.resolve(dir, t.prompt.file)
      const read = yield* fs.readFileString(file).pipe(Effect.result)
      if (read._tag === "Success") prompts.set(t.id, read.success)
      else
        missing.push(
          `task ${t.id}: prompt file ${t.prompt.file} (${file}) cannot be read: ${readProblem(read.failure)}`
        )
    }
  }
  if (missing.length > 0) return yield* invalid(missing, manifestPath)
  // A prompt read from a file meets the same rules as an inline one (no NUL, fits the launch).
  const inlined = valid.success.manifest.tasks.map((t) => ({ ...t, prompt: prompts.get(t.id) ?? "" }))
  const again = validateManifest({ ...valid.success.manifest, tasks: inlined })
  if (Result.isFailure(again)) return yield* invalid(again.failure, manifestPath)
  const read: ManifestRead = { manifest: valid.success.manifest, waves: valid.success.waves, prompts }
  return read
})

/**
 * Every task's agent must be launchable before anything exists: a kind whose executable is not on
 * PATH would otherwise fail after its worktree and branch were created.
 */
const preflightAgents = Effect.fn("Run.preflightAgents")(function* (manifest: Manifest) {
  const launcher = yield* AgentLauncher
  const problems: Array<string> = []
  const seen = new Set<string>()
  for (const t of manifest.tasks) {
    const key = `${t.agent}\u0000${t.env?.["PATH"] ?? ""}`
    if (seen.has(key)) continue
    seen.add(key)
    const spec = manifest.options?.agents?.find((k) => k.name === t.agent)
    const checked = yield* launcher
      .preflight({
        kind: t.agent,
        ...(spec === undefined ? {} : { spec }),
        ...(t.env === undefined ? {} : { env: t.env })
      })
      .pipe(Effect.result)
    if (checked._tag === "Failure") problems.push(`task ${t.id}: ${checked.failure.message}`)
  }
  if (problems.length > 0)
    return yield* fail(
      "E_AGENT",
      problems.join("; "),
      "install the agent or put it on PATH (`rekindle doctor` lists every kind), or change the task's agent; nothing was created",
      { problems }
    )
})

/** A fresh batch id: UTC time plus four random characters (safe charset, sortable). */
export const newBatchId = Effect.gen(function* () {
  const now = new Date(yield* Clock.currentTimeMillis).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
  let suffix = ""
  // nextIntBetween is inclusive by default: half-open, or one draw in 37 indexes past the end ("undefined").
  for (let i = 0; i < 4; i++) suffix += alphabet[yield* Random.nextIntBetween(0, alphabet.length, { halfOpen: true })]
  return `${now}-${suffix}`
})

/** The initial state of a batch (pure). */
const initialState = (input: {
  readonly batchId: string
  readonly repoRoot: string
  readonly baseBranch: string
  readonly baseCommit: string
  readonly manifest: Manifest
  readonly waves: ReadonlyArray<ReadonlyArray<string>>
  readonly prompts: ReadonlyMap<string, string>
  readonly now: number
}): BatchState => {
  const o = { ...MANIFEST_DEFAULTS, ...input.manifest.options }
  const paths = batchPaths(input.repoRoot, input.batchId)
  const tasks = input.manifest.tasks.map((t): Task => {
    const worktree = worktreeFor(input.repoRoot, input.batchId, t.id)
    return {
      id: t.id,
      status: "pending",
      dependsOn: t.dependsOn ?? [],
      agent: t.agent,
      prompt: input.prompts.get(t.id) ?? "",
      ...(t.command === undefined ? {} : { command: t.command }),
      ...(t.args === undefined ? {} : { args: t.args }),
      ...(t.env === undefined ? {} : { env: t.env }),
      lane: t.lane ?? t.id,
      session: sessionNameFor(input.batchId, t.id),
      worktree,
      branch: branchFor(input.batchId, t.id),
      doneMarker: o.doneMarker === "worktree" ? `${worktree}/.rekindle-done` : paths.marker(t.id),
      attempts: 0
    }
  })
  const lanes = input.waves.flatMap((ids, wave) => {
    const byLane = new Map<string, Array<string>>()
    for (const id of ids) {
      const lane = tasks.find((t) => t.id === id)?.lane ?? id
      byLane.set(lane, [...(byLane.get(lane) ?? []), id])
    }
    return [...byLane.entries()].map(([id, members]): Lane => ({ id, wave, tasks: members }))
  })
  return {
    version: 1,
    batchId: input.batchId,
    phase: "planning",
    repoRoot: input.repoRoot,
    baseBranch: input.baseBranch,
    baseCommit: input.baseCommit,
    waves: input.waves,
    tasks,
    lanes,
    merges: [],
    counters: {},
    errors: [],
    logCheckpoints: {},
    prompts: [],
    options: {
      maxLanes: o.maxLanes,
      failurePolicy: o.failurePolicy,
      mergeFailurePolicy: o.mergeFailurePolicy,
      stallTimeoutMs: o.stallTimeoutSeconds * 1000,
      relaunchCap: o.relaunchCap,
      ...(o.relaunchConcurrency === undefined ? {} : { relaunchConcurrency: o.relaunchConcurrency }),
      ...(o.tmuxSocket === undefined ? {} : { tmuxSocket: o.tmuxSocket }),
      ...(o.agents === undefined ? {} : { agents: o.agents }),
      ...(o.trustRepository === undefined ? {} : { trustRepository: o.trustRepository }),
      ...(o.notify === undefined ? {} : { notify: o.notify })
    },
    createdAt: input.now,
    updatedAt: input.now
  }
}

/** Keep `.rekindle/` out of the user's status: `.git/info/exclude`, never their .gitignore. */
const excludeStateDir = Effect.fn("Run.excludeStateDir")(function* (repoRoot: string) {
  const fs = yield* FileSystem.FileSystem
  const exclude = `${repoRoot}/.git/info/exclude`
  const isDir = yield* fs.stat(`${repoRoot}/.git`).pipe(
    Effect.map((i) => i.type === "Directory"),
    Effect.orElseSucceed(() => false)
  )
  if (!isDir) return
  const current = yield* fs.readFileString(exclude).pipe(Effect.orElseSucceed(() => ""))
  // `/.rekindle-done` (a `worktree` done marker) too: an agent's `git add -A` must not commit it, or
  // it reaches the base branch and every later task's checkout.
  const missing = ["/.rekindle/", "/.rekindle-done"].filter((p) => !current.split("\n").some((l) => l.trim() === p))
  if (missing.length === 0) return
  yield* fs.makeDirectory(`${repoRoot}/.git/info`, { recursive: true }).pipe(Effect.ignore)
  yield* fs
    .writeFileString(
      exclude,
      `${current}${current === "" || current.endsWith("\n") ? "" : "\n"}${missing.map((p) => `${p}\n`).join("")}`
    )
    .pipe(Effect.ignore)
})

/** Prepare and persist a batch from a manifest, without launching anything. */
export const prepare = Effect.fn("Run.prepare")(function* (options: RunOptions & { readonly batchId?: string }) {
  const read = yield* readManifest(options.manifestPath)
  yield* preflightAgents(read.manifest)
  const path = yield* Path.Path
  const { waves, prompts } = read
  const named = read.manifest.options?.tmuxSocket
  if (options.tmuxSocket !== undefined && named !== undefined && named !== options.tmuxSocket) {
    return yield* fail(
      "E_USAGE",
      `tmux socket ${options.tmuxSocket} contradicts the manifest's tmuxSocket ${named}`,
      "drop one of them, or make them agree"
    )
  }
  // Without this, a later command not told the socket would look at the default server, find no
  // session and re-execute agents that are still running on the batch's own server.
  const manifest =
    options.tmuxSocket === undefined
      ? read.manifest
      : { ...read.manifest, options: { ...read.manifest.options, tmuxSocket: options.tmuxSocket } }
  const git = yield* Worktrees
  const baseBranch = yield* git
    .currentBranch(options.repoRoot)
    .pipe(
      Effect.mapError((e) =>
        e.reason === "DetachedHead"
          ? fail(
              "E_DETACHED_HEAD",
              `${options.repoRoot} has a detached HEAD`,
              "check out the branch the batch should merge into, then run again"
            )
          : fail(
              "E_GIT_FAILED",
              `cannot read the current branch of ${options.repoRoot}: ${e.message}`,
              "run rekindle inside a git repository"
            )
      )
    )
  const baseCommit = yield* git
    .revParse(options.repoRoot, baseBranch)
    .pipe(
      Effect.mapError((e) =>
        fail("E_GIT_FAILED", e.message, "the base branch has no commit yet: commit something first")
      )
    )
  const batchId = options.batchId ?? manifest.options?.batchId ?? (yield* newBatchId)
  // A batch that never left planning (its supervisor died before the first wave: nothing was
  // launched) is started again from this manifest — what `resume` tells the user to do for it.
  const batches = yield* listBatches(options.repoRoot)
  const manifestAt = path.resolve(options.manifestPath)
  const unfinished = batches.filter(
    (b) => b.batchId !== batchId && b.manifest === manifestAt && UNFINISHED.has(b.phase)
  )
  if (unfinished.length > 0 && options.allowNew !== true) {
    const ids = unfinished.map((b) => `${b.batchId} (${b.phase})`).join(", ")
    return yield* fail(
      "E_UNFINISHED_BATCH",
      `${options.manifestPath} already has an unfinished batch in this repo: ${ids}`,
      `resume it with \`rekindle resume ${unfinished[0]!.batchId}\`, or start another batch of it on purpose with \`rekindle run --new\``,
      { batches: unfinished.map((b) => b.batchId) }
    )
  }
  const existing = batches.find((b) => b.batchId === batchId)
  if (existing !== undefined && existing.phase !== "planning" && existing.phase !== "idle") {
    return yield* fail(
      "E_USAGE",
      `batch ${batchId} already exists in ${options.repoRoot} (${existing.phase})`,
      existing.phase === "completed"
        ? `choose another batchId, or archive the finished one with \`rekindle clean ${batchId}\``
        : `resume it with \`rekindle resume ${batchId}\`, or choose another batchId`
    )
  }
  yield* excludeStateDir(options.repoRoot)
  const fs = yield* FileSystem.FileSystem
  yield* fs.makeDirectory(stateRoot(options.repoRoot), { recursive: true, mode: 0o700 }).pipe(Effect.ignore)
  const now = yield* Clock.currentTimeMillis
  const initial = initialState({
    batchId,
    repoRoot: options.repoRoot,
    baseBranch,
    baseCommit,
    manifest,
    waves,
    prompts,
    now
  })
  return yield* saveState({ ...initial, manifest: manifestAt }, now)
})

/** `rekindle run`: prepare the batch, then run every wave under the lease. */
export const run = Effect.fn("Run.run")(function* (options: RunOptions & { readonly batchId?: string }) {
  const state = yield* prepare(options)
  return yield* Effect.scoped(
    Effect.gen(function* () {
      const path = batchPaths(state.repoRoot, state.batchId).lease
      const { self } = yield* withLease(path)
      return yield* continueFrom(state, 0, { lease: { path, self } })
    })
  )
})
