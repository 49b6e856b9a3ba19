/**
 * AgentLauncher over Effect's FileSystem + Path: argv from the (pure) table, transcript checks on
 * files. The live layer reads the real home, environment and a random UUID generator; the fake
 * (AgentLauncherFake.ts) is this same code over an in-memory FileSystem with fixed inputs.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import { randomUUID } from "node:crypto"
import * as os from "node:os"
import {
  AgentError,
  AgentLauncher,
  type AgentKindSpec,
  type ArgvToken,
  type KindRequest,
  type TranscriptCheck
} from "../../core/ports/AgentLauncher.ts"
import { buildFresh, buildResume, checkKindSpec, type BuildFailure } from "./AgentArgv.ts"
import { discoverConversation } from "./ConversationDiscovery.ts"
import { findOnPath } from "./FindExecutable.ts"
import { checkOpenCodeSession } from "./OpenCodeSessions.ts"
import { BUILTIN_KINDS, mergeKinds } from "./AgentKinds.ts"
import { recordTrust } from "./AgentTrust.ts"
import { checkFile } from "./TranscriptCheck.ts"
import { pinnedEnv, transcriptTarget } from "./TranscriptPath.ts"

/** Inputs the adapter must not invent itself (so tests and the fake can fix them). */
interface AgentLauncherOptions {
  /** Kinds overlaid on the built-in table (same name replaces). */
  readonly kinds?: ReadonlyArray<AgentKindSpec>
  readonly home: string
  /** rekindle's environment: selects transcript roots (CLAUDE_CONFIG_DIR, CODEX_HOME). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Conversation ids for `assigned` kinds. Claude requires a UUID. */
  readonly newId: Effect.Effect<string>
  /** Where an executable is (a name is looked up on PATH), undefined when absent. Default: PATH in `env`. */
  readonly findExecutable?: (
    name: string,
    env: Readonly<Record<string, string | undefined>>
  ) => Effect.Effect<string | undefined>
}

const io = (e: PlatformError.PlatformError) => new AgentError({ reason: "Io", message: e.message })
const fromBuild = <A>(r: Result.Result<A, BuildFailure>): Effect.Effect<A, AgentError> =>
  Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(new AgentError(r.failure))

/** Build the adapter. */
export const make = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  options: AgentLauncherOptions
): AgentLauncher["Service"] => {
  const kinds = mergeKinds(BUILTIN_KINDS, options.kinds ?? [])
  // A task's own variables decide where its agent writes (CODEX_HOME, CLAUDE_CONFIG_DIR), so they
  // decide where rekindle looks too.
  const envOf = (request: KindRequest): Readonly<Record<string, string | undefined>> =>
    request.env === undefined ? options.env : { ...options.env, ...request.env }
  const lookup = ({ kind, spec: given }: KindRequest): Effect.Effect<AgentKindSpec, AgentError> => {
    const spec = given ?? kinds.find((k) => k.name === kind)
    return spec === undefined
      ? Effect.fail(
          new AgentError({
            reason: "UnknownKind",
            message: `unknown agent kind "${kind}" (known: ${kinds.map((k) => k.name).join(", ")})`
          })
        )
      : Effect.succeed(spec)
  }

  // A kind with no safe argv form for text gets the prompt as a file rekindle writes (owner-only).
  const writePromptFile = Effect.fn("AgentLauncher.writePromptFile")(function* (
    tokens: ReadonlyArray<ArgvToken>,
    request: { readonly prompt?: string | undefined; readonly promptFile?: string | undefined }
  ) {
    const reads = tokens.some((t) =>
      (typeof t === "string" ? [t] : "argv" in t ? t.argv : []).some((a) => a.includes("{promptFile}"))
    )
    if (!reads || request.prompt === undefined || request.prompt === "") return
    if (request.promptFile === undefined || !path.isAbsolute(request.promptFile))
      return yield* Effect.fail(
        new AgentError({
          reason: "Invalid",
          message: "this kind takes its prompt as a file, and no absolute path was given"
        })
      )
    const file = request.promptFile
    yield* fs
      .makeDirectory(path.dirname(file), { recursive: true, mode: 0o700 })
      .pipe(Effect.andThen(fs.writeFileString(file, request.prompt, { mode: 0o600 })), Effect.mapError(io))
  })

  const freshArgv = Effect.fn("AgentLauncher.freshArgv")(function* (
    request: Parameters<AgentLauncher["Service"]["freshArgv"]>[0]
  ) {
    const spec = yield* lookup(request)
    const given = request.conversationId
    const conversationId =
      spec.conversation !== "assigned" ? undefined : given !== undefined && given !== "" ? given : yield* options.newId
    yield* writePromptFile(spec.fresh, request)
    return yield* fromBuild(
      buildFresh(spec, { ...request, conversationId }, pinnedEnv(spec.transcript, envOf(request)))
    )
  })

  const resumeArgv = Effect.fn("AgentLauncher.resumeArgv")(function* (
    request: Parameters<AgentLauncher["Service"]["resumeArgv"]>[0]
  ) {
    const spec = yield* lookup(request)
    yield* writePromptFile(spec.resume ?? [], request)
    return yield* fromBuild(buildResume(spec, request, pinnedEnv(spec.transcript, envOf(request))))
  })

  // Claude records the physical cwd (symlinks resolved); try that first, then the path as given.
  const cwdCandidates = (cwd: string) =>
    fs.realPath(cwd).pipe(
      Effect.map((real) => (real === cwd ? [cwd] : [real, cwd])),
      Effect.catch(() => Effect.succeed([cwd]))
    )

  const locate = Effect.fn("AgentLauncher.locate")(function* (
    spec: AgentKindSpec,
    conversationId: string,
    cwd: string,
    env: Readonly<Record<string, string | undefined>>
  ) {
    const tried: Array<string> = []
    for (const candidate of yield* cwdCandidates(cwd)) {
      const target = transcriptTarget(spec.transcript, {
        home: options.home,
        env,
        cwd: candidate,
        conversationId
      })
      if (Result.isFailure(target)) return { problem: target.failure }
      const t = target.success
      if (t.type === "none") return { problem: `no transcript check for ${spec.name}` }
      if (t.type === "file") {
        const file = path.resolve(t.root, t.path)
        if (tried.includes(file)) continue
        tried.push(file)
        if (yield* fs.exists(file)) return { file }
      } else {
        const matches = yield* fs.glob(t.pattern, { root: t.root })
        const found = [...matches].sort().at(-1)
        if (found !== undefined) return { file: path.resolve(t.root, found) }
        tried.push(path.join(t.root, t.pattern))
      }
    }
    return { problem: `no transcript at ${tried.join(" or ")}` }
  })

  const validateTranscript = Effect.fn("AgentLauncher.validateTranscript")(function* (
    request: Parameters<AgentLauncher["Service"]["validateTranscript"]>[0]
  ) {
    const spec = yield* lookup(request)
    // OpenCode keeps conversations in its database, not in a file per conversation.
    if (spec.transcript.type === "none" && spec.executable === "opencode")
      return yield* checkOpenCodeSession(options.home, envOf(request), request.conversationId)
    const where = yield* locate(spec, request.conversationId, request.cwd, envOf(request)).pipe(Effect.mapError(io))
    if ("problem" in where) return { valid: false, reason: where.problem } satisfies TranscriptCheck
    const format = spec.transcript.type === "none" ? "text" : spec.transcript.format
    const verdict = yield* checkFile(fs, where.file, format).pipe(
      Effect.map((v): TranscriptCheck => ({ ...v, path: where.file })),
      Effect.catchReason("PlatformError", "NotFound", () =>
        // removed between locate and open
        Effect.succeed<TranscriptCheck>({
          valid: false,
          path: where.file,
          reason: "transcript vanished while being checked"
        })
      ),
      Effect.mapError(io)
    )
    return verdict
  })

  const find = options.findExecutable ?? ((name, env) => findOnPath(fs, path, name, env["PATH"]))

  const preflight = Effect.fn("AgentLauncher.preflight")(function* (request: KindRequest) {
    const spec = yield* lookup(request)
    const problems = checkKindSpec(spec)
    if (problems.length > 0)
      return yield* Effect.fail(
        new AgentError({ reason: "Invalid", message: `agent kind "${spec.name}": ${problems.join("; ")}` })
      )
    if (spec.executable === undefined) return undefined
    const found = yield* find(spec.executable, envOf(request))
    if (found === undefined)
      return yield* Effect.fail(
        new AgentError({
          reason: "NotOnPath",
          message: `agent kind "${spec.name}": its executable "${spec.executable}" is not found on PATH`
        })
      )
    return found
  })

  const discover = Effect.fn("AgentLauncher.discoverConversation")(function* (
    request: Parameters<AgentLauncher["Service"]["discoverConversation"]>[0]
  ) {
    const spec = yield* lookup(request)
    // An id rekindle assigned is followed only from the agent's own process (its registry) or its transcripts.
    if (spec.conversation !== "discovered" && request.current === undefined) return undefined
    const cwds = yield* cwdCandidates(request.cwd)
    return yield* discoverConversation(fs, path, {
      spec,
      home: options.home,
      env: envOf(request),
      cwds,
      since: request.since,
      ...(request.agent === undefined ? {} : { agent: request.agent }),
      ...(request.current === undefined ? {} : { current: request.current })
    }).pipe(Effect.mapError(io))
  })

  const recordTrustFor = Effect.fn("AgentLauncher.recordTrust")(function* (
    request: Parameters<AgentLauncher["Service"]["recordTrust"]>[0]
  ) {
    const spec = yield* lookup({ kind: request.kind })
    if (spec.trust === undefined) return undefined
    return yield* recordTrust(fs, path, options, spec.trust, request.repoRoot, request.preview)
  })

  return AgentLauncher.of({
    kinds,
    recordTrust: recordTrustFor,
    preflight,
    freshArgv,
    resumeArgv,
    validateTranscript,
    discoverConversation: discover
  })
}

/** The live layer: real home, process environment, random UUIDs; configured kinds overlaid. */
export const layer = (
  config: { readonly kinds?: ReadonlyArray<AgentKindSpec> } = {}
): Layer.Layer<AgentLauncher, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    AgentLauncher,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      return make(fs, path, { ...config, home: os.homedir(), env: process.env, newId: Effect.sync(() => randomUUID()) })
    })
  )
